/*
 * fcgi_loop: the transport. The only file that includes <fcgiapp.h>.
 */
#ifndef FCGI_AUTHD_FCGI_LOOP_H
#define FCGI_AUTHD_FCGI_LOOP_H

#include <stdbool.h>

#include "authz.h"
#include "store.h"

/*
 * Called by the main thread about once a second (hup false) and on
 * SIGHUP (hup true), never from a worker: where reloads happen.
 */
typedef void loop_tick_fn(void *arg, bool hup);

/*
 * Serve FastCGI requests on listen_fd with threads workers until SIGTERM or
 * SIGINT. Each request is decided with ctx and the snapshot store serves at
 * that moment. A connection that has not delivered its whole request
 * read_timeout seconds after it was accepted is closed (0: never). Returns
 * 0 after a clean shutdown, -1 if serving could not start.
 */
int fcgi_loop_run(int listen_fd, unsigned threads, unsigned read_timeout,
                  const struct authz_ctx *ctx, struct store *store,
                  loop_tick_fn *tick, void *tick_arg);

/*
 * Answer one request as a CGI program with snapshot snap: parameters from
 * envp, answer on stdout. Returns 0, or -1 when stdout failed.
 */
int fcgi_loop_cgi(const struct authz_ctx *ctx, const struct snapshot *snap,
                  char *const *envp);

#endif
