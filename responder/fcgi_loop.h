/*
 * fcgi_loop: the transport. The only file that includes <fcgiapp.h>.
 */
#ifndef FCGI_AUTHD_FCGI_LOOP_H
#define FCGI_AUTHD_FCGI_LOOP_H

#include "authz.h"

/*
 * Serve FastCGI requests on listen_fd with threads workers until SIGTERM or
 * SIGINT. Returns 0 after a clean shutdown, -1 if serving could not start.
 */
int fcgi_loop_run(int listen_fd, unsigned threads, const struct authz_ctx *ctx);

/*
 * Answer one request as a CGI program: parameters from envp, answer on
 * stdout. Returns 0, or -1 when stdout failed.
 */
int fcgi_loop_cgi(const struct authz_ctx *ctx, char *const *envp);

#endif
