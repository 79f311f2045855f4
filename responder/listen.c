#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"
#include "util.h"

#define LISTEN_BACKLOG 1024

static char listen_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

const char *
listen_unix_path(void)
{
    return listen_path[0] ? listen_path : NULL;
}

static bool
listen_is_listening_socket(int fd)
{
    int on = 0, type = 0;
    socklen_t len = sizeof on;

    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) < 0 || !on)
        return false;
    len = sizeof type;
    return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
           type == SOCK_STREAM;
}

void
listen_notify(const char *state)
{
    const char *path = getenv("NOTIFY_SOCKET");
    struct sockaddr_un sun;
    socklen_t len;
    size_t n;
    int fd;

    if (path == NULL || (path[0] != '/' && path[0] != '@'))
        return;
    n = strlen(path);
    if (n >= sizeof sun.sun_path)
        return;
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path, path, n);
    if (path[0] == '@')
        sun.sun_path[0] = '\0'; /* an abstract socket */
    len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sun,
               len) < 0)
        log_msg(LOGL_WARN, "NOTIFY_SOCKET: %s", strerror(errno));
    close(fd);
}

bool
listen_fd0(void)
{
    return listen_is_listening_socket(0);
}

int
listen_systemd(int *fd, char *err, size_t errlen)
{
    const char *pid = getenv("LISTEN_PID");
    const char *fds = getenv("LISTEN_FDS");
    unsigned long p, n;
    int rc = 0;

    if (pid == NULL || fds == NULL)
        goto done;
    if (util_parse_ulong(pid, strlen(pid), 1, ~0UL, &p) < 0 ||
        p != (unsigned long)getpid())
        goto done; /* meant for another process */
    if (util_parse_ulong(fds, strlen(fds), 0, 1024, &n) == 0 && n == 0)
        goto done; /* sd_listen_fds(3): zero sockets is "not activated" */
    if (util_parse_ulong(fds, strlen(fds), 0, 1024, &n) < 0 || n != 1) {
        snprintf(err, errlen,
                 "systemd passed LISTEN_FDS=%s; exactly one socket is "
                 "supported",
                 fds);
        rc = -1;
        goto done;
    }
    if (!listen_is_listening_socket(3)) {
        snprintf(err, errlen,
                 "systemd passed fd 3, which is not a listening stream "
                 "socket (Accept=no is required)");
        rc = -1;
        goto done;
    }
    (void)fcntl(3, F_SETFD, FD_CLOEXEC);
    *fd = 3;
    rc = 1;
done:
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    return rc;
}

static int
listen_group(const char *group, gid_t *gid, char *err, size_t errlen)
{
    unsigned long g;
    struct group *gr;

    if (util_parse_ulong(group, strlen(group), 0, 0x7fffffffUL, &g) == 0) {
        *gid = (gid_t)g;
        return 0;
    }
    gr = getgrnam(group);
    if (gr == NULL) {
        snprintf(err, errlen, "socket_group: no group '%s'", group);
        return -1;
    }
    *gid = gr->gr_gid;
    return 0;
}

/*
 * A socket file from a dead process answers ECONNREFUSED: replace it.
 * A live one, or any other file, is left alone.
 */
static int
listen_clear_stale(const struct sockaddr_un *sun, char *err, size_t errlen)
{
    struct stat st;
    int fd, rc;

    if (lstat(sun->sun_path, &st) < 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen, "%s exists and is not a socket", sun->sun_path);
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    rc = connect(fd, (const struct sockaddr *)sun, sizeof *sun);
    close(fd);
    if (rc == 0) {
        snprintf(err, errlen, "%s: another process is listening there",
                 sun->sun_path);
        return -1;
    }
    if (errno != ECONNREFUSED) {
        snprintf(err, errlen, "%s: %s", sun->sun_path, strerror(errno));
        return -1;
    }
    log_msg(LOGL_INFO, "replacing stale socket %s", sun->sun_path);
    if (unlink(sun->sun_path) < 0) {
        snprintf(err, errlen, "unlink %s: %s", sun->sun_path, strerror(errno));
        return -1;
    }
    return 0;
}

/* The path of a unix: spec, checked; 0 or -1 with a message in err. */
static int
listen_check_path(const char *path, char *err, size_t errlen)
{
    if (path[0] != '/' ||
        strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        snprintf(err, errlen,
                 "unix socket path must be absolute and shorter than %zu "
                 "bytes",
                 sizeof(((struct sockaddr_un *)0)->sun_path));
        return -1;
    }
    return 0;
}

static int
listen_unix(const char *path, const struct listen_opts *opts, char *err,
            size_t errlen)
{
    struct sockaddr_un sun;
    gid_t gid = (gid_t)-1;
    mode_t old;
    int fd, rc;

    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    if (listen_check_path(path, err, errlen) < 0)
        return -1;
    strcpy(sun.sun_path, path);
    if (opts->group != NULL && listen_group(opts->group, &gid, err, errlen) < 0)
        return -1;
    if (listen_clear_stale(&sun, err, errlen) < 0) {
        if (err[0] == '\0')
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    /* The socket is born with its final mode: no window with the umask's. */
    old = umask((mode_t)(~opts->mode & 0777));
    rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
    umask(old);
    if (rc < 0) {
        snprintf(err, errlen, "bind %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    memcpy(listen_path, path, strlen(path) + 1);
    if ((gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) < 0) ||
        chmod(path, (mode_t)opts->mode) < 0) {
        snprintf(err, errlen, "%s: setting group/mode: %s", path,
                 strerror(errno));
        goto fail;
    }
    if (listen(fd, LISTEN_BACKLOG) < 0) {
        snprintf(err, errlen, "listen %s: %s", path, strerror(errno));
        goto fail;
    }
    return fd;
fail:
    close(fd);
    unlink(path);
    listen_path[0] = '\0';
    return -1;
}

/*
 * "ADDR:PORT" (IPv4) or "[ADDR]:PORT" (IPv6), numeric only, into ss.
 * Returns the address length or 0 with a message in err.
 */
static socklen_t
listen_parse_tcp(const char *spec, int family, struct sockaddr_storage *ss,
                 char *err, size_t errlen)
{
    char host[INET6_ADDRSTRLEN + 1];
    const char *colon, *h = spec;
    size_t hlen;
    unsigned long port;

    memset(ss, 0, sizeof *ss);
    colon = strrchr(spec, ':');
    if (colon == NULL)
        goto bad;
    hlen = (size_t)(colon - spec);
    if (family == AF_INET6) {
        if (hlen < 2 || spec[0] != '[' || spec[hlen - 1] != ']')
            goto bad;
        h++;
        hlen -= 2;
    }
    if (hlen == 0 || hlen >= sizeof host)
        goto bad;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    if (util_parse_ulong(colon + 1, strlen(colon + 1), 1, 65535, &port) < 0)
        goto bad;
    if (family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;

        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
            goto bad;
        return sizeof *sin;
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
            goto bad;
        return sizeof *sin6;
    }
bad:
    snprintf(err, errlen,
             "bad address '%s': expected %s with a numeric address and a "
             "port from 1 to 65535",
             spec, family == AF_INET ? "127.0.0.1:PORT" : "[::1]:PORT");
    return 0;
}

/* Who may connect to a TCP socket that is not on loopback. */
static void
listen_warn_exposed(const struct sockaddr_storage *ss, const char *spec)
{
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

        if ((ntohl(sin->sin_addr.s_addr) >> 24) != 127)
            log_msg(LOGL_WARN,
                    "listening on %s, not loopback: set "
                    "FCGI_WEB_SERVER_ADDRS to the web servers' addresses",
                    spec);
    } else {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

        /* libfcgi checks FCGI_WEB_SERVER_ADDRS for IPv4 peers only. */
        if (!IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
            log_msg(LOGL_WARN,
                    "listening on %s, not loopback: anyone who reaches it "
                    "can ask (libfcgi's FCGI_WEB_SERVER_ADDRS does not "
                    "apply to IPv6); restrict it with a firewall",
                    spec);
    }
}

static int
listen_tcp(const char *spec, int family, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    int fd, on = 1;

    sslen = listen_parse_tcp(spec, family, &ss, err, errlen);
    if (sslen == 0)
        return -1;
    listen_warn_exposed(&ss, spec);
    fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (family == AF_INET6)
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    if (bind(fd, (struct sockaddr *)&ss, sslen) < 0 ||
        listen(fd, LISTEN_BACKLOG) < 0) {
        snprintf(err, errlen, "%s: %s", spec, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int
listen_check(const char *spec, const struct listen_opts *opts, char *err,
             size_t errlen)
{
    struct sockaddr_storage ss;
    gid_t gid;

    err[0] = '\0';
    if (opts->group != NULL && listen_group(opts->group, &gid, err, errlen) < 0)
        return -1;
    if (spec == NULL)
        return 0;
    if (strncmp(spec, "unix:", 5) == 0)
        return listen_check_path(spec + 5, err, errlen);
    if (strncmp(spec, "tcp:", 4) == 0)
        return listen_parse_tcp(spec + 4, AF_INET, &ss, err, errlen) ? 0 : -1;
    if (strncmp(spec, "tcp6:", 5) == 0)
        return listen_parse_tcp(spec + 5, AF_INET6, &ss, err, errlen) ? 0 : -1;
    snprintf(err, errlen,
             "bad listen address '%s': expected unix:/path, "
             "tcp:127.0.0.1:PORT or tcp6:[::1]:PORT",
             spec);
    return -1;
}

int
listen_open(const char *spec, const struct listen_opts *opts, char *err,
            size_t errlen)
{
    err[0] = '\0';
    if (strncmp(spec, "unix:", 5) == 0)
        return listen_unix(spec + 5, opts, err, errlen);
    if (strncmp(spec, "tcp:", 4) == 0)
        return listen_tcp(spec + 4, AF_INET, err, errlen);
    if (strncmp(spec, "tcp6:", 5) == 0)
        return listen_tcp(spec + 5, AF_INET6, err, errlen);
    snprintf(err, errlen,
             "bad listen address '%s': expected unix:/path, "
             "tcp:127.0.0.1:PORT or tcp6:[::1]:PORT",
             spec);
    return -1;
}
