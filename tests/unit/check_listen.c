/*
 * Unit tests for responder/listen.c: unix and TCP sockets from a spec,
 * stale-socket replacement, systemd socket activation, fd 0 detection.
 *
 * Tests that need fd 0 or fd 3 move whatever is there aside and put it back,
 * so they also run in one process (CK_FORK=no, valgrind).
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "listen.h"

/* ------------------------------------------------------------ helpers -- */

struct tmp {
    char dir[64];
    char path[128]; /* dir/s.sock */
    char spec[160]; /* unix:path */
};

static void
tmp_make(struct tmp *t)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/check_listen.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(t->dir));
    snprintf(t->path, sizeof t->path, "%s/s.sock", t->dir);
    snprintf(t->spec, sizeof t->spec, "unix:%s", t->path);
}

static void
tmp_clean(struct tmp *t)
{
    (void)unlink(t->path);
    ck_assert_int_eq(rmdir(t->dir), 0);
}

static bool
is_listening(int fd)
{
    int on = 0;
    socklen_t len = sizeof on;

    return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on;
}

static void
unix_addr(struct sockaddr_un *sun, const char *path)
{
    memset(sun, 0, sizeof *sun);
    sun->sun_family = AF_UNIX;
    ck_assert_uint_lt(strlen(path), sizeof sun->sun_path);
    memcpy(sun->sun_path, path, strlen(path) + 1);
}

/* 0 when a client can connect to the unix socket at path, else errno. */
static int
unix_connect(const char *path)
{
    struct sockaddr_un sun;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    int rc;

    ck_assert_int_ge(fd, 0);
    unix_addr(&sun, path);
    rc = connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0 ? 0 : errno;
    close(fd);
    return rc;
}

/* A unix stream socket bound at path; listening if asked. */
static int
unix_bound(const char *path, bool listening)
{
    struct sockaddr_un sun;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    ck_assert_int_ge(fd, 0);
    unix_addr(&sun, path);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
    if (listening)
        ck_assert_int_eq(listen(fd, 4), 0);
    return fd;
}

/* A listening TCP socket on 127.0.0.1, any port. */
static int
tcp_listener(void)
{
    struct sockaddr_in sin;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert_int_ge(fd, 0);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    ck_assert_int_eq(listen(fd, 4), 0);
    return fd;
}

static unsigned
local_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;

    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* A TCP port on 127.0.0.1 that was free a moment ago. */
static unsigned
free_port(void)
{
    int fd = tcp_listener();
    unsigned port = local_port(fd);

    close(fd);
    return port;
}

/*
 * fd 3 is where check keeps its message channel, so nothing between moving a
 * descriptor there and putting the old one back may call check: these
 * helpers record results and the tests assert afterwards.
 */
struct fd_saved {
    int target;
    int copy;  /* the old descriptor, moved aside, or -1 */
    int flags; /* its FD_CLOEXEC state */
};

/* Put fd at target (fd < 0: leave target closed); 0 or -1. */
static int
fd_swap_in(struct fd_saved *sv, int fd, int target)
{
    sv->target = target;
    sv->copy = -1;
    sv->flags = fcntl(target, F_GETFD);
    if (sv->flags != -1) {
        sv->copy = fcntl(target, F_DUPFD_CLOEXEC, 64);
        if (sv->copy < 0)
            return -1;
    }
    if (fd < 0)
        return close(target) == 0 || sv->flags == -1 ? 0 : -1;
    return dup2(fd, target) == target ? 0 : -1;
}

static int
fd_swap_out(struct fd_saved *sv)
{
    int rc = 0;

    if (sv->copy >= 0) {
        if (dup2(sv->copy, sv->target) != sv->target ||
            fcntl(sv->target, F_SETFD, sv->flags) < 0)
            rc = -1;
        close(sv->copy);
    } else {
        close(sv->target);
    }
    return rc;
}

struct sd_result {
    int swap;       /* 0 when fd 3 was placed and put back */
    int rc;         /* of listen_systemd */
    int fd;         /* set by listen_systemd, else -1 */
    bool listening; /* fd 3 still a listening socket afterwards */
    bool env_gone;  /* LISTEN_* removed */
    char err[256];
};

/*
 * Run listen_systemd with fd3 at fd 3 (-1: nothing there) and LISTEN_PID
 * (NULL: our pid) and LISTEN_FDS (NULL: unset) in the environment.
 */
static void
sd_run(int fd3, const char *pid, const char *fds, struct sd_result *r)
{
    struct fd_saved sv;
    char buf[32];

    memset(r, 0, sizeof *r);
    r->fd = -1;
    if (pid == NULL) {
        snprintf(buf, sizeof buf, "%ld", (long)getpid());
        pid = buf;
    }
    unsetenv("LISTEN_FDS");
    setenv("LISTEN_PID", pid, 1);
    if (fds != NULL)
        setenv("LISTEN_FDS", fds, 1);
    setenv("LISTEN_FDNAMES", "fcgi-authd.socket", 1);
    r->swap = fd_swap_in(&sv, fd3, 3);
    if (r->swap == 0) {
        r->rc = listen_systemd(&r->fd, r->err, sizeof r->err);
        r->listening = is_listening(3);
        r->swap = fd_swap_out(&sv);
    }
    r->env_gone = getenv("LISTEN_PID") == NULL &&
                  getenv("LISTEN_FDS") == NULL &&
                  getenv("LISTEN_FDNAMES") == NULL;
}

/* listen_fd0 with fd at fd 0; -1 when the swap failed. */
static int
fd0_probe(int fd)
{
    struct fd_saved sv;
    bool r;

    if (fd_swap_in(&sv, fd, 0) < 0)
        return -1;
    r = listen_fd0();
    if (fd_swap_out(&sv) < 0)
        return -1;
    return r;
}

static const struct listen_opts opts_0660 = {0660, NULL};

/* --------------------------------------------------------- unix sockets -- */

START_TEST(listen_unix_opens)
{
    struct tmp t;
    struct stat st;
    char err[256] = "";
    int fd;

    tmp_make(&t);
    fd = listen_open(t.spec, &opts_0660, err, sizeof err);
    ck_assert_msg(fd >= 0, "listen_open: %s", err);
    ck_assert(is_listening(fd));
    ck_assert_int_eq(lstat(t.path, &st), 0);
    ck_assert(S_ISSOCK(st.st_mode));
    ck_assert_uint_eq(st.st_mode & 07777, 0660);
    ck_assert_ptr_nonnull(listen_unix_path());
    ck_assert_str_eq(listen_unix_path(), t.path);
    ck_assert_int_eq(unix_connect(t.path), 0);
    /* Not inherited by programs the daemon might run. */
    ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
    close(fd);
    tmp_clean(&t);
}
END_TEST

static const unsigned modes[] = {0600, 0660, 0666, 0640, 0700, 0777, 0606};

START_TEST(listen_unix_mode)
{
    struct listen_opts o = {modes[_i], NULL};
    struct tmp t;
    struct stat st;
    char err[256] = "";
    mode_t old = umask(022);
    int fd;

    tmp_make(&t);
    fd = listen_open(t.spec, &o, err, sizeof err);
    umask(old);
    ck_assert_msg(fd >= 0, "listen_open: %s", err);
    ck_assert_int_eq(lstat(t.path, &st), 0);
    ck_assert_msg((st.st_mode & 07777) == modes[_i], "mode %04o, asked %04o",
                  (unsigned)(st.st_mode & 07777), modes[_i]);
    close(fd);
    tmp_clean(&t);
}
END_TEST

/* The process umask is what it was before. */
START_TEST(listen_unix_umask_restored)
{
    struct listen_opts o = {0666, NULL};
    struct tmp t;
    char err[256] = "";
    mode_t old = umask(027), now;
    int fd;

    tmp_make(&t);
    fd = listen_open(t.spec, &o, err, sizeof err);
    now = umask(old);
    ck_assert_int_ge(fd, 0);
    ck_assert_uint_eq(now, 027);
    close(fd);
    tmp_clean(&t);
}
END_TEST

START_TEST(listen_unix_group)
{
    struct group *gr = getgrgid(getgid());
    struct listen_opts o = {0660, NULL};
    struct tmp t;
    struct stat st;
    char err[256] = "", gid[32];
    int fd;

    tmp_make(&t);
    /* By number. */
    snprintf(gid, sizeof gid, "%u", (unsigned)getgid());
    o.group = gid;
    fd = listen_open(t.spec, &o, err, sizeof err);
    ck_assert_msg(fd >= 0, "listen_open: %s", err);
    ck_assert_int_eq(lstat(t.path, &st), 0);
    ck_assert_uint_eq(st.st_gid, getgid());
    close(fd);
    ck_assert_int_eq(unlink(t.path), 0);

    /* By name. */
    if (gr != NULL) {
        o.group = gr->gr_name;
        fd = listen_open(t.spec, &o, err, sizeof err);
        ck_assert_msg(fd >= 0, "listen_open: %s", err);
        ck_assert_int_eq(lstat(t.path, &st), 0);
        ck_assert_uint_eq(st.st_gid, getgid());
        close(fd);
        ck_assert_int_eq(unlink(t.path), 0);
    }

    /* A group that does not exist: refused, named, nothing created. */
    o.group = "no-such-group-fcgi-authd";
    err[0] = '\0';
    ck_assert_int_eq(listen_open(t.spec, &o, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "no-such-group-fcgi-authd"));
    ck_assert_int_eq(access(t.path, F_OK), -1);
    tmp_clean(&t);
}
END_TEST

/* A socket file left by a dead process is replaced. */
START_TEST(listen_unix_stale_replaced)
{
    struct tmp t;
    struct stat st;
    char err[256] = "";
    int fd;

    tmp_make(&t);
    /* Bound, then closed without unlinking: what a crash leaves behind. */
    close(unix_bound(t.path, true));
    ck_assert_int_eq(lstat(t.path, &st), 0);
    ck_assert(S_ISSOCK(st.st_mode));
    ck_assert_int_eq(unix_connect(t.path), ECONNREFUSED);

    fd = listen_open(t.spec, &opts_0660, err, sizeof err);
    ck_assert_msg(fd >= 0, "stale socket not replaced: %s", err);
    ck_assert(is_listening(fd));
    ck_assert_int_eq(unix_connect(t.path), 0);
    close(fd);

    /* A stale socket that never listened is stale too. */
    ck_assert_int_eq(unlink(t.path), 0);
    close(unix_bound(t.path, false));
    fd = listen_open(t.spec, &opts_0660, err, sizeof err);
    ck_assert_msg(fd >= 0, "stale socket not replaced: %s", err);
    ck_assert_int_eq(unix_connect(t.path), 0);
    close(fd);
    tmp_clean(&t);
}
END_TEST

/* A socket another process answers on is left alone. */
START_TEST(listen_unix_live_refused)
{
    struct tmp t;
    char err[256] = "";
    int live, other;

    tmp_make(&t);
    live = unix_bound(t.path, true);
    ck_assert_int_eq(listen_open(t.spec, &opts_0660, err, sizeof err), -1);
    ck_assert_str_ne(err, "");
    ck_assert_ptr_nonnull(strstr(err, t.path));
    /* Still there, still answering, for its owner. */
    ck_assert_int_eq(unix_connect(t.path), 0);
    other = accept(live, NULL, NULL);
    ck_assert_int_ge(other, 0);
    close(other);
    close(live);
    tmp_clean(&t);
}
END_TEST

/* Whatever else is at the path is not ours to delete. */
START_TEST(listen_unix_not_a_socket)
{
    static const char content[] = "precious\n";
    struct tmp t;
    struct stat st;
    char err[256] = "", buf[32];
    int fd;

    tmp_make(&t);
    fd = open(t.path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, content, sizeof content - 1),
                     (ssize_t)(sizeof content - 1));
    close(fd);

    ck_assert_int_eq(listen_open(t.spec, &opts_0660, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, t.path));
    ck_assert_int_eq(lstat(t.path, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    fd = open(t.path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(read(fd, buf, sizeof buf), (ssize_t)(sizeof content - 1));
    ck_assert_mem_eq(buf, content, sizeof content - 1);
    close(fd);
    ck_assert_int_eq(unlink(t.path), 0);

    /* A folder at the path. */
    ck_assert_int_eq(mkdir(t.path, 0700), 0);
    err[0] = '\0';
    ck_assert_int_eq(listen_open(t.spec, &opts_0660, err, sizeof err), -1);
    ck_assert_str_ne(err, "");
    ck_assert_int_eq(lstat(t.path, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    ck_assert_int_eq(rmdir(t.path), 0);
    tmp_clean(&t);
}
END_TEST

/* The folder of the socket does not exist: an error, not a crash. */
START_TEST(listen_unix_missing_dir)
{
    struct tmp t;
    char spec[256], err[256] = "";

    tmp_make(&t);
    snprintf(spec, sizeof spec, "unix:%s/none/s.sock", t.dir);
    ck_assert_int_eq(listen_open(spec, &opts_0660, err, sizeof err), -1);
    ck_assert_str_ne(err, "");
    tmp_clean(&t);
}
END_TEST

/* ------------------------------------------------------------ bad specs -- */

static const char *const bad_specs[] = {
    "tcp:1.2.3:80",
    "tcp:127.0.0.1:0",
    "tcp:127.0.0.1:70000",
    "tcp:127.0.0.1:65536",
    "tcp:127.0.0.1:99999999999999999999999",
    "tcp:127.0.0.1:-1",
    "tcp:127.0.0.1:+80",
    "tcp:127.0.0.1: 80",
    "tcp:127.0.0.1:80x",
    "tcp:127.0.0.1:",
    "tcp:127.0.0.1",
    "tcp::80",
    "tcp:",
    "tcp:999.0.0.1:80",
    "tcp:127.0.0.1.5:80",
    "tcp:[127.0.0.1]:80",
    "tcp:::1:80",
    "tcp:[::1]:80",
    "tcp6:::1:80",
    "tcp6:[::1]:0",
    "tcp6:[::1]:70000",
    "tcp6:[::1]",
    "tcp6:[::1]:",
    "tcp6:[::1:80",
    "tcp6:::1]:80",
    "tcp6:[]:80",
    "tcp6:[127.0.0.1]:80",
    "tcp6:127.0.0.1:80",
    "tcp6:",
    "unix:relative",
    "unix:relative/s.sock",
    "unix:./s.sock",
    "unix:",
    "unix",
    "udp:127.0.0.1:9000",
    "127.0.0.1:9000",
    "/run/fcgi-authd.sock",
    "",
    "unix:/tmp/check_listen_"
    "this_path_is_much_too_long_for_sun_path_"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.sock",
};

START_TEST(listen_open_bad_spec)
{
    char err[512];

    memset(err, 'Z', sizeof err);
    err[sizeof err - 1] = '\0';
    ck_assert_msg(listen_open(bad_specs[_i], &opts_0660, err, sizeof err) == -1,
                  "'%s' accepted", bad_specs[_i]);
    ck_assert_msg(err[0] != '\0' && err[0] != 'Z', "'%s': no message",
                  bad_specs[_i]);
    ck_assert_ptr_nonnull(memchr(err, '\0', sizeof err));
}
END_TEST

/* Port errors say which range is allowed and name what was given. */
static const char *const bad_ports[] = {
    "tcp:127.0.0.1:0",
    "tcp:127.0.0.1:70000",
    "tcp6:[::1]:0",
    "tcp:127.0.0.1:port",
};

START_TEST(listen_open_port_error_message)
{
    char err[512] = "";

    ck_assert_int_eq(listen_open(bad_ports[_i], &opts_0660, err, sizeof err),
                     -1);
    ck_assert_msg(strstr(err, "65535") != NULL, "'%s'", err);
    ck_assert_msg(
        strstr(err, bad_ports[_i] + (bad_ports[_i][3] == '6' ? 5 : 4)) != NULL,
        "'%s' does not name the address", err);
}
END_TEST

/* A message cut to a small buffer is still a terminated string. */
START_TEST(listen_open_small_err)
{
    char err[8];

    memset(err, 'Z', sizeof err);
    ck_assert_int_eq(listen_open("tcp:127.0.0.1:0", &opts_0660, err, 8), -1);
    ck_assert_ptr_nonnull(memchr(err, '\0', sizeof err));
}
END_TEST

/* ---------------------------------------------------------- tcp sockets -- */

START_TEST(listen_tcp_loopback)
{
    char spec[64], err[256] = "";
    unsigned port = free_port();
    struct sockaddr_in sin;
    socklen_t len = sizeof sin;
    int fd, again;

    snprintf(spec, sizeof spec, "tcp:127.0.0.1:%u", port);
    fd = listen_open(spec, &opts_0660, err, sizeof err);
    ck_assert_msg(fd >= 0, "%s: %s", spec, err);
    ck_assert(is_listening(fd));
    ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
    ck_assert_int_eq(sin.sin_family, AF_INET);
    ck_assert_uint_eq(ntohl(sin.sin_addr.s_addr), INADDR_LOOPBACK);
    ck_assert_uint_eq(ntohs(sin.sin_port), port);

    /* The same port again: in use, an error that names the address. */
    err[0] = '\0';
    again = listen_open(spec, &opts_0660, err, sizeof err);
    ck_assert_int_eq(again, -1);
    ck_assert_ptr_nonnull(strstr(err, "127.0.0.1"));
    close(fd);
}
END_TEST

START_TEST(listen_tcp6_loopback)
{
    char spec[64], err[256] = "";
    struct sockaddr_in6 sin6;
    socklen_t len = sizeof sin6;
    int probe = socket(AF_INET6, SOCK_STREAM, 0);
    unsigned port;
    int fd;

    /* Hosts without IPv6 on lo cannot run this. */
    memset(&sin6, 0, sizeof sin6);
    sin6.sin6_family = AF_INET6;
    sin6.sin6_addr = in6addr_loopback;
    if (probe < 0 || bind(probe, (struct sockaddr *)&sin6, sizeof sin6) < 0 ||
        listen(probe, 1) < 0) {
        if (probe >= 0)
            close(probe);
        return;
    }
    port = local_port(probe);
    close(probe);

    snprintf(spec, sizeof spec, "tcp6:[::1]:%u", port);
    fd = listen_open(spec, &opts_0660, err, sizeof err);
    ck_assert_msg(fd >= 0, "%s: %s", spec, err);
    ck_assert(is_listening(fd));
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin6, &len), 0);
    ck_assert_int_eq(sin6.sin6_family, AF_INET6);
    ck_assert(IN6_IS_ADDR_LOOPBACK(&sin6.sin6_addr));
    ck_assert_uint_eq(ntohs(sin6.sin6_port), port);
    close(fd);
}
END_TEST

/* ---------------------------------------------------- systemd sockets -- */

/* LISTEN_PID is us, LISTEN_FDS=1, fd 3 listens: fd 3 is used. */
START_TEST(listen_systemd_activated)
{
    int lfd = tcp_listener();
    struct sd_result r;

    sd_run(lfd, NULL, "1", &r);
    close(lfd);
    ck_assert_int_eq(r.swap, 0);
    ck_assert_msg(r.rc == 1, "rc %d: %s", r.rc, r.err);
    ck_assert_int_eq(r.fd, 3);
    ck_assert(r.listening);
    ck_assert(r.env_gone);
}
END_TEST

/* A unix listening socket at fd 3 works as well. */
START_TEST(listen_systemd_unix_socket)
{
    struct tmp t;
    struct sd_result r;
    int lfd;

    tmp_make(&t);
    lfd = unix_bound(t.path, true);
    sd_run(lfd, NULL, "1", &r);
    close(lfd);
    tmp_clean(&t);
    ck_assert_int_eq(r.swap, 0);
    ck_assert_msg(r.rc == 1, "rc %d: %s", r.rc, r.err);
    ck_assert_int_eq(r.fd, 3);
    ck_assert(r.env_gone);
}
END_TEST

/* Variables meant for another process (or garbage) are not ours: 0. */
static const char *const other_pids[] = {
    "1", "0", "abc", "", "-5", "+1", "99999999999999999999999"};

START_TEST(listen_systemd_other_pid)
{
    int lfd = tcp_listener();
    struct sd_result r;

    /* pid 1 is never this test, unless it runs as a container's init. */
    if (getpid() == 1 && strcmp(other_pids[_i], "1") == 0) {
        close(lfd);
        return;
    }
    sd_run(lfd, other_pids[_i], "1", &r);
    close(lfd);
    ck_assert_int_eq(r.swap, 0);
    ck_assert_msg(r.rc == 0, "LISTEN_PID=%s: rc %d", other_pids[_i], r.rc);
    ck_assert_int_eq(r.fd, -1);
    ck_assert(r.env_gone);
}
END_TEST

/* Our pid but the parent's: what a forked child inherits. */
START_TEST(listen_systemd_parent_pid)
{
    int lfd = tcp_listener();
    struct sd_result r;
    char pid[32];

    snprintf(pid, sizeof pid, "%ld", (long)getppid());
    sd_run(lfd, pid, "1", &r);
    close(lfd);
    ck_assert_int_eq(r.swap, 0);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_int_eq(r.fd, -1);
    ck_assert(r.env_gone);
}
END_TEST

START_TEST(listen_systemd_not_activated)
{
    char err[256] = "";
    int fd = -1;

    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    ck_assert_int_eq(listen_systemd(&fd, err, sizeof err), 0);
    ck_assert_int_eq(fd, -1);

    /* Half the protocol is not activation either; still cleaned up. */
    ck_assert_int_eq(setenv("LISTEN_FDS", "1", 1), 0);
    ck_assert_int_eq(listen_systemd(&fd, err, sizeof err), 0);
    ck_assert_int_eq(fd, -1);
    ck_assert_ptr_null(getenv("LISTEN_FDS"));
}
END_TEST

/* LISTEN_PID alone: not activated, and removed. */
START_TEST(listen_systemd_pid_only)
{
    int lfd = tcp_listener();
    struct sd_result r;

    sd_run(lfd, NULL, NULL, &r);
    close(lfd);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_int_eq(r.fd, -1);
    ck_assert(r.env_gone);
}
END_TEST

/* More than one socket, or nonsense: refused with a message. */
static const char *const bad_fds[] = {"2", "3", "1024", "abc", "1x", "-1"};

START_TEST(listen_systemd_bad_fds)
{
    int lfd = tcp_listener();
    struct sd_result r;

    sd_run(lfd, NULL, bad_fds[_i], &r);
    close(lfd);
    ck_assert_int_eq(r.swap, 0);
    ck_assert_msg(r.rc == -1, "LISTEN_FDS=%s: rc %d", bad_fds[_i], r.rc);
    ck_assert_str_ne(r.err, "");
    ck_assert_int_eq(r.fd, -1);
    ck_assert(r.env_gone);
}
END_TEST

/*
 * fd 3 is not a listening stream socket: a connected socket (Accept=yes), a
 * datagram socket, a file, an unlistened stream socket, nothing.
 */
START_TEST(listen_systemd_fd3_not_listening)
{
    int sv[2];
    int fds[5];
    struct sd_result r;

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    fds[0] = sv[0];
    fds[1] = socket(AF_INET, SOCK_DGRAM, 0);
    fds[2] = open("/dev/null", O_RDWR);
    fds[3] = socket(AF_INET, SOCK_STREAM, 0);
    fds[4] = -1;
    for (size_t i = 0; i < 4; i++)
        ck_assert_int_ge(fds[i], 0);
    for (size_t i = 0; i < 5; i++) {
        sd_run(fds[i], NULL, "1", &r);
        ck_assert_int_eq(r.swap, 0);
        ck_assert_msg(r.rc == -1, "candidate %zu: rc %d", i, r.rc);
        ck_assert_str_ne(r.err, "");
        ck_assert_int_eq(r.fd, -1);
        ck_assert(r.env_gone);
    }
    for (size_t i = 0; i < 4; i++)
        close(fds[i]);
    close(sv[1]);
}
END_TEST

/* ------------------------------------------------------------ fd 0 -- */

START_TEST(listen_fd0_detects)
{
    int devnull = open("/dev/null", O_RDONLY);
    int lfd = tcp_listener();
    int dgram = socket(AF_INET, SOCK_DGRAM, 0);
    int unlistened = socket(AF_INET, SOCK_STREAM, 0);
    int sv[2], ufd;
    struct tmp t;

    ck_assert_int_ge(devnull, 0);
    ck_assert_int_ge(dgram, 0);
    ck_assert_int_ge(unlistened, 0);
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);

    ck_assert_int_eq(fd0_probe(devnull), 0);    /* not a socket */
    ck_assert_int_eq(fd0_probe(sv[0]), 0);      /* connected, not listening */
    ck_assert_int_eq(fd0_probe(dgram), 0);      /* not a stream */
    ck_assert_int_eq(fd0_probe(unlistened), 0); /* never listened */
    ck_assert_int_eq(fd0_probe(lfd), 1);        /* spawn-fcgi, TCP */

    tmp_make(&t);
    ufd = unix_bound(t.path, true);
    ck_assert_int_eq(fd0_probe(ufd), 1); /* spawn-fcgi, unix */
    close(ufd);
    tmp_clean(&t);

    close(devnull);
    close(lfd);
    close(dgram);
    close(unlistened);
    close(sv[0]);
    close(sv[1]);
}
END_TEST

static Suite *
listen_suite(void)
{
    Suite *s = suite_create("listen");
    TCase *tc;

    tc = tcase_create("unix");
    tcase_add_test(tc, listen_unix_opens);
    tcase_add_loop_test(tc, listen_unix_mode, 0,
                        (int)(sizeof modes / sizeof modes[0]));
    tcase_add_test(tc, listen_unix_umask_restored);
    tcase_add_test(tc, listen_unix_group);
    tcase_add_test(tc, listen_unix_stale_replaced);
    tcase_add_test(tc, listen_unix_live_refused);
    tcase_add_test(tc, listen_unix_not_a_socket);
    tcase_add_test(tc, listen_unix_missing_dir);
    suite_add_tcase(s, tc);

    tc = tcase_create("spec");
    tcase_add_loop_test(tc, listen_open_bad_spec, 0,
                        (int)(sizeof bad_specs / sizeof bad_specs[0]));
    tcase_add_loop_test(tc, listen_open_port_error_message, 0,
                        (int)(sizeof bad_ports / sizeof bad_ports[0]));
    tcase_add_test(tc, listen_open_small_err);
    tcase_add_test(tc, listen_tcp_loopback);
    tcase_add_test(tc, listen_tcp6_loopback);
    suite_add_tcase(s, tc);

    tc = tcase_create("systemd");
    tcase_add_test(tc, listen_systemd_activated);
    tcase_add_test(tc, listen_systemd_unix_socket);
    tcase_add_loop_test(tc, listen_systemd_other_pid, 0,
                        (int)(sizeof other_pids / sizeof other_pids[0]));
    tcase_add_test(tc, listen_systemd_parent_pid);
    tcase_add_test(tc, listen_systemd_not_activated);
    tcase_add_test(tc, listen_systemd_pid_only);
    tcase_add_loop_test(tc, listen_systemd_bad_fds, 0,
                        (int)(sizeof bad_fds / sizeof bad_fds[0]));
    tcase_add_test(tc, listen_systemd_fd3_not_listening);
    tcase_add_test(tc, listen_fd0_detects);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(listen_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
