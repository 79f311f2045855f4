/*
 * listen: finding or opening the listening socket.
 */
#ifndef FCGI_AUTHD_LISTEN_H
#define FCGI_AUTHD_LISTEN_H

#include <stdbool.h>
#include <stddef.h>

struct listen_opts {
    unsigned mode;     /* unix socket permissions, e.g. 0660 */
    const char *group; /* unix socket group name or number, or NULL */
};

/*
 * systemd socket activation (sd_listen_fds(3) protocol, by hand): when
 * LISTEN_PID is our pid and LISTEN_FDS is 1, set *fd to 3 and return 1;
 * 0 when not activated; -1 (message in err) when activated wrongly (more
 * than one socket, fd 3 not a listening stream socket). The variables are
 * removed from the environment either way.
 */
int listen_systemd(int *fd, char *err, size_t errlen);

/*
 * Open spec: "unix:/path", "tcp:127.0.0.1:9000", "tcp6:[::1]:9000"
 * (numeric addresses only). A unix socket file left by a dead process is
 * replaced; one that a live process answers on is an error. Returns the fd or
 * -1 with a message in err.
 */
int listen_open(const char *spec, const struct listen_opts *opts, char *err,
                size_t errlen);

/*
 * Check spec (NULL: none) and opts->group as listen_open would, without
 * opening anything (for -t). Returns 0, or -1 with a message in err.
 */
int listen_check(const char *spec, const struct listen_opts *opts, char *err,
                 size_t errlen);

/*
 * Tell systemd (Type=notify) about our state, e.g. "READY=1",
 * "RELOADING=1", "STOPPING=1": a datagram to NOTIFY_SOCKET, by hand (the
 * sd_notify(3) protocol, no libsystemd). Nothing when not run by systemd.
 */
void listen_notify(const char *state);

/* True when fd 0 is a listening stream socket (spawn-fcgi). */
bool listen_fd0(void);

/* The unix socket path opened by listen_open, to unlink at exit, or NULL. */
const char *listen_unix_path(void);

#endif
