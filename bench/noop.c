/*
 * noop: the ceiling of the benchmark. A libfcgi authorizer that checks
 * nothing: every request gets "Status: 200 OK" and a fixed
 * Variable-REMOTE_USER at once, in whatever role the server asks (nginx's
 * RESPONDER, lighttpd's AUTHORIZER). Whatever fcgi-authd spends beyond
 * this is the price of deciding; this is the price of asking at all
 * (the web server's subrequest, a FastCGI connection per request, libfcgi).
 *
 *     noop SOCKET_PATH [THREADS]
 *
 * Listens on a unix socket (mode 0666, so a server's www-data workers can
 * write to it) with the same backlog as fcgi-authd, serves with THREADS
 * FCGX_Accept_r workers (default 2), and runs until killed.
 * Built by bench/run: cc -O2 -pthread noop.c -lfcgi.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fcgiapp.h>

static int listen_fd;

static void *
noop_worker(void *arg)
{
    FCGX_Request req;

    (void)arg;
    if (FCGX_InitRequest(&req, listen_fd, 0) != 0)
        return NULL;
    while (FCGX_Accept_r(&req) >= 0) {
        FCGX_PutS("Status: 200 OK\r\n"
                  "Variable-REMOTE_USER: noop\r\n"
                  "Content-Type: text/plain\r\n"
                  "\r\n",
                  req.out);
        FCGX_Finish_r(&req);
    }
    return NULL;
}

int
main(int argc, char **argv)
{
    pthread_t *threads;
    long n = 2;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s SOCKET_PATH [THREADS]\n", argv[0]);
        return 2;
    }
    if (argc == 3) {
        n = strtol(argv[2], NULL, 10);
        if (n < 1 || n > 1024) {
            fprintf(stderr, "noop: THREADS must be 1..1024\n");
            return 2;
        }
    }
    if (FCGX_Init() != 0) {
        fprintf(stderr, "noop: FCGX_Init failed\n");
        return 1;
    }
    unlink(argv[1]);
    /* libfcgi's FCGX_OpenSocket takes "path" for a unix socket. */
    listen_fd = FCGX_OpenSocket(argv[1], 1024);
    if (listen_fd < 0) {
        fprintf(stderr, "noop: cannot listen on %s\n", argv[1]);
        return 1;
    }
    if (chmod(argv[1], 0666) != 0) {
        perror("noop: chmod");
        return 1;
    }
    threads = calloc((size_t)n, sizeof *threads);
    if (threads == NULL)
        return 1;
    for (long i = 0; i < n; i++) {
        if (pthread_create(&threads[i], NULL, noop_worker, NULL) != 0) {
            fprintf(stderr, "noop: pthread_create failed\n");
            return 1;
        }
    }
    for (long i = 0; i < n; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    return 0;
}
