/*
 * fcgi-authd-passwd: Apache htpasswd's command line for fcgi-authd's
 * password files, with modern hashes only and a safe replace of the file.
 * The order of a run is readable in main(): options, checks that need no
 * password, the password, the hash, then the locked edit of the file.
 * --token makes an API token instead: the token goes to stdout, only its
 * SHA-256 to the token file, through the same locked edit. -D and --audit
 * tell a token file by its lines.
 *
 * Exit codes are htpasswd's, so scripts port over: 0 ok, 1 file access,
 * 2 usage, 3 password mismatch (the two prompts, or -v), 4 interrupted,
 * 5 value too long, 6 illegal user name (and -v: no such user, as
 * htpasswd; --token: the name has a token already), 7 not a valid
 * password (or token) file; 8 is --audit's "entries need action".
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "htpasswd.h"
#include "pwfile.h"
#include "token.h"
#include "util.h"
#include "verify.h"

#define PROG "fcgi-authd-passwd"

enum tool_exit {
    EXIT_OK = 0,
    EXIT_FILE = 1,        /* a file cannot be read, written or locked */
    EXIT_USAGE = 2,       /* the command line (or an unusable password) */
    EXIT_MISMATCH = 3,    /* the two entries differ; -v: wrong password */
    EXIT_INTERRUPTED = 4, /* a signal; nothing was written */
    EXIT_TOO_LONG = 5,    /* user, password, file name or line too long */
    EXIT_BAD_USER = 6,    /* illegal name; -v: no such user; a name taken */
    EXIT_BAD_FILE = 7,    /* a line fcgi-authd would refuse to load */
    EXIT_AUDIT = 8,       /* --audit listed entries that need action */
};

/* Seconds to wait for another edit's lock before giving up. */
#define LOCK_WAIT_DEFAULT 10
#define LOCK_WAIT_MAX     3600

enum tool_mode {
    MODE_SET,    /* add or change a user's password in FILE */
    MODE_DELETE, /* -D */
    MODE_VERIFY, /* -v */
    MODE_PRINT,  /* -n */
    MODE_AUDIT,  /* --audit */
};

struct tool_opts {
    enum tool_mode mode;
    unsigned modes; /* how many of -D -v -n --audit were given */
    bool create;
    bool from_stdin;
    bool method_set;
    enum hash_kind method;
    unsigned long cost; /* 0: the method's default */
    bool cmdline_pw;    /* --password-on-command-line, copied to pw1 */
    unsigned lock_wait;
    bool token;            /* --token, or -D/--audit of a token file */
    bool replace;          /* --replace */
    const char *expires_s; /* --expires, as given */
    long long expires;     /* its UTC seconds; 0: never */
    const char *file;
    const char *user;
    size_t ulen;
};

/*
 * Password buffers. Static so the signal handler can wipe them; one byte
 * more than the longest password tells a longer one.
 */
#define PW_CAP (VERIFY_PASSWORD_MAX + 1)
static char pw1[PW_CAP], pw2[PW_CAP];
static size_t pw1len;

/*
 * Signals: while nothing is written (prompts, hashing) a signal restores
 * the terminal, wipes the passwords and exits 4 at once; from the moment
 * the file is locked it is only recorded, checked before the commit, and
 * the commit itself runs with signals blocked, so the file is replaced
 * whole or not at all.
 */
static volatile sig_atomic_t sig_defer;
static volatile sig_atomic_t sig_caught;
static volatile sig_atomic_t tty_changed;
static int tty_fd = -1;
static struct termios tty_saved;

static const int caught_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

/* ------------------------------------------------------------ messages -- */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "fcgi-authd-passwd: ..." on stderr. */
static void
say(const char *fmt, ...)
{
    va_list ap;

    fputs(PROG ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void
usage(FILE *f)
{
    fputs("Usage:\n"
          "  " PROG " [-c] [-i] [-B | -m METHOD] [-C COST] FILE USER\n"
          "  " PROG " -D FILE USER\n"
          "  " PROG " -v [-i] FILE USER\n"
          "  " PROG " -n [-i] [-B | -m METHOD] [-C COST] USER\n"
          "  " PROG " --audit FILE\n"
          "  " PROG " --token [-c] [--replace] [--expires YYYY-MM-DD] FILE "
          "NAME\n"
          "Options:\n"
          "  -c, --create     create FILE (it must not exist yet)\n"
          "  -i, --stdin      read the password from stdin (one line)\n"
          "  -B, --bcrypt     bcrypt ($2y$), the same as -m bcrypt\n"
          "  -m, --method M   yescrypt (default), bcrypt or sha512\n"
          "  -C, --cost N     yescrypt 5..11 (default 5), bcrypt 10..31\n"
          "                   (default 12), sha512 rounds 5000..999999999\n"
          "  -D, --delete     delete USER (every line of it); of a token\n"
          "                   file (lines NAME:sha256:...), NAME's token\n"
          "  -v, --verify     check USER's password; exit 3 if wrong\n"
          "  -n, --print      print \"USER:HASH\" on stdout; no FILE\n"
          "      --audit      list legacy, weak, locked, expired and\n"
          "                   unusable entries (a token file: expired and\n"
          "                   refused lines); exit 8 if any need action\n"
          "      --token      make an API token for NAME: the token alone on\n"
          "                   stdout, its SHA-256 in FILE (made if missing)\n"
          "      --expires D  --token: it expires at the start of day D (UTC)\n"
          "      --replace    --token: a new token for a NAME that has one\n"
          "                   (without it: exit 6); the old one stops working\n"
          "      --lock-wait S  wait up to S seconds for another edit "
          "(10)\n"
          "      --password-on-command-line PASSWORD\n"
          "                   take the password from the command line, where\n"
          "                   every local user can see it (ps): avoid\n"
          "  -h, --help       this text\n"
          "  -V, --version    the version\n"
          "Exit: 0 ok, 1 file access, 2 usage, 3 password mismatch, "
          "4 interrupted,\n"
          "5 too long, 6 illegal name (-v: no such user; --token: NAME has "
          "a\n"
          "token), 7 invalid file, 8 --audit found entries that need "
          "action.\n",
          f);
}

/* A usage error: the message, a hint, exit 2. */
static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs(PROG ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry '" PROG " --help'.\n", stderr);
    return EXIT_USAGE;
}

/* --------------------------------------------------------------- signals -- */

static void
wipe_volatile(char *p, size_t n)
{
    volatile char *v = p;

    while (n--)
        *v++ = 0;
}

static void
on_signal(int signo)
{
    static const char msg[] = "\n" PROG ": interrupted\n";

    sig_caught = signo;
    if (sig_defer)
        return;
    /* tcsetattr, write and _exit are async-signal-safe. */
    if (tty_changed)
        tcsetattr(tty_fd, TCSANOW, &tty_saved);
    wipe_volatile(pw1, sizeof pw1);
    wipe_volatile(pw2, sizeof pw2);
    if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0)
        _exit(EXIT_INTERRUPTED);
    _exit(EXIT_INTERRUPTED);
}

static void
signals_init(void)
{
    struct sigaction sa;
    struct rlimit no_core = {0, 0};
    size_t i;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (i = 0; i < sizeof caught_signals / sizeof caught_signals[0]; i++)
        sigaddset(&sa.sa_mask, caught_signals[i]);
    /* No SA_RESTART: a signal ends the wait for the lock. */
    for (i = 0; i < sizeof caught_signals / sizeof caught_signals[0]; i++)
        sigaction(caught_signals[i], &sa, NULL);
    /* A file-size limit fails the write (cleaned up), not the process. */
    signal(SIGXFSZ, SIG_IGN);
    /* Passwords never end up in a core file. */
    setrlimit(RLIMIT_CORE, &no_core);
}

/* Block (or unblock) the caught signals around the commit. */
static void
signals_block(bool block)
{
    sigset_t set;
    size_t i;

    sigemptyset(&set);
    for (i = 0; i < sizeof caught_signals / sizeof caught_signals[0]; i++)
        sigaddset(&set, caught_signals[i]);
    sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/* ------------------------------------------------------------- passwords -- */

/*
 * Read one line from fd into buf (capacity PW_CAP) without its "\n" (and a
 * "\r" before it). Returns 0, EXIT_TOO_LONG (the rest of the line was read
 * and dropped), or -1 on a read error.
 */
static int
read_line(int fd, char *buf, size_t *len)
{
    size_t n = 0;
    bool too_long = false;
    char c;

    for (;;) {
        ssize_t r = read(fd, &c, 1);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0 || c == '\n')
            break;
        if (n < PW_CAP)
            buf[n++] = c;
        else
            too_long = true;
    }
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    /* PW_CAP holds one byte more than the longest password. */
    if (too_long || n > VERIFY_PASSWORD_MAX) {
        util_wipe(buf, PW_CAP);
        return EXIT_TOO_LONG;
    }
    *len = n;
    return 0;
}

static void
tty_restore(void)
{
    if (tty_changed) {
        tcsetattr(tty_fd, TCSANOW, &tty_saved);
        tty_changed = 0;
    }
}

/* Ask on the terminal, echo off; the line goes to buf. */
static int
tty_ask(const char *prompt, char *buf, size_t *len)
{
    int r;

    if (write(tty_fd, prompt, strlen(prompt)) < 0)
        return -1;
    r = read_line(tty_fd, buf, len);
    /* The newline the user typed was not echoed. */
    if (write(tty_fd, "\n", 1) < 0)
        r = r == 0 ? -1 : r;
    return r;
}

/*
 * The password from the terminal: asked once (-v) or twice (a new one),
 * with echo off and the terminal restored on every path.
 */
static int
password_from_tty(bool twice)
{
    struct termios t;
    size_t len2 = 0;
    int r;

    tty_fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (tty_fd < 0) {
        say("no terminal to ask for the password on (%s): use -i to read it "
            "from stdin",
            strerror(errno));
        return EXIT_USAGE;
    }
    if (tcgetattr(tty_fd, &tty_saved) != 0) {
        say("cannot read the terminal's settings: %s", strerror(errno));
        return EXIT_FILE;
    }
    t = tty_saved;
    t.c_lflag &= (tcflag_t) ~(ECHO | ECHOE | ECHOK | ECHONL);
    /* Set first: restoring unchanged settings on a signal is harmless. */
    tty_changed = 1;
    /* TCSAFLUSH: drop what was typed (and echoed) before the prompt. */
    if (tcsetattr(tty_fd, TCSAFLUSH, &t) != 0) {
        tty_changed = 0;
        say("cannot turn the terminal's echo off: %s", strerror(errno));
        return EXIT_FILE;
    }
    r = tty_ask(twice ? "New password: " : "Enter password: ", pw1, &pw1len);
    if (r == 0 && twice) {
        r = tty_ask("Re-type new password: ", pw2, &len2);
        if (r == 0 && !util_ct_equal(pw1, pw1len, pw2, len2)) {
            say("password verification error");
            r = EXIT_MISMATCH;
        }
    }
    tty_restore();
    util_wipe(pw2, sizeof pw2);
    if (r < 0) {
        say("cannot read the password from the terminal: %s", strerror(errno));
        return EXIT_FILE;
    }
    if (r == EXIT_TOO_LONG)
        say("password longer than %d bytes", VERIFY_PASSWORD_MAX);
    return r;
}

/*
 * The password into pw1: from the command line (already copied), stdin
 * (-i) or the terminal. A new password must not be empty nor hold NUL.
 */
static int
get_password(const struct tool_opts *o, bool is_new)
{
    int r = 0;

    if (o->from_stdin) {
        r = read_line(STDIN_FILENO, pw1, &pw1len);
        if (r < 0) {
            say("cannot read the password from stdin: %s", strerror(errno));
            return EXIT_FILE;
        }
        if (r == EXIT_TOO_LONG)
            say("password longer than %d bytes", VERIFY_PASSWORD_MAX);
    } else if (!o->cmdline_pw) {
        r = password_from_tty(is_new);
    }
    if (r != 0 || !is_new)
        return r;
    if (pw1len == 0) {
        say("empty password refused: anyone who knows the user name would "
            "get in");
        return EXIT_USAGE;
    }
    if (memchr(pw1, '\0', pw1len) != NULL) {
        say("password holds a NUL byte, which crypt(3) cannot take");
        return EXIT_USAGE;
    }
    if (o->method == HASH_BCRYPT && pw1len > VERIFY_BCRYPT_MAX) {
        say("password of %zu bytes: bcrypt uses only the first %d; use "
            "yescrypt (the default)",
            pw1len, VERIFY_BCRYPT_MAX);
        return EXIT_TOO_LONG;
    }
    return 0;
}

/* Hash pw1 with the chosen method into out (VERIFY_HASH_NEW_MAX). */
static int
make_hash(const struct tool_opts *o, char *out)
{
    if (verify_hash_new(o->method, o->cost, pw1, pw1len, out,
                        VERIFY_HASH_NEW_MAX) == 0)
        return 0;
    if (errno == E2BIG) {
        say("password too long for %s", verify_kind_name(o->method));
        return EXIT_TOO_LONG;
    }
    say("cannot hash the password: %s", strerror(errno));
    return EXIT_FILE;
}

/* ----------------------------------------------------------------- files -- */

/* htpasswd_parse's errors, as "FILE:LINE: message"; warnings dropped. */
static void
tool_diag(void *ctx, enum log_level sev, const char *file, unsigned line,
          const char *msg)
{
    (void)ctx;
    if (sev != LOGL_ERROR)
        return;
    if (line > 0)
        say("%s:%u: %s", file, line, msg);
    else
        say("%s: %s", file, msg);
}

/*
 * How the tool reads a file, for edits, -v and --audit alike: every format
 * allowed (so only malformed lines fail) and fcgi-authd's default caps.
 */
static const struct htpasswd_opts tool_read_opts = PWFILE_AUDIT_OPTS;

/* Parse text as fcgi-authd would; NULL after telling which lines are wrong. */
static struct htpasswd *
parse_file(const char *name, const char *text, size_t len)
{
    struct htpasswd *h =
        htpasswd_parse(name, text, len, &tool_read_opts, tool_diag, NULL);

    if (h == NULL)
        say("%s is not a valid password file (fcgi-authd would refuse it)",
            name);
    return h;
}

/* Read and check FILE before asking for a password (htpasswd's order). */
static int
precheck_file(const struct tool_opts *o)
{
    struct htpasswd *h;
    char err[512], *buf, *slash, dir[PATH_MAX];
    struct stat st;
    size_t len = 0;

    if (o->create) {
        if (lstat(o->file, &st) == 0) {
            say("%s exists; -c would erase it: leave out -c to add or change "
                "a user (to start over, remove the file first)",
                o->file);
            return EXIT_FILE;
        }
        snprintf(dir, sizeof dir, "%s", o->file);
        slash = strrchr(dir, '/');
        if (slash == NULL)
            snprintf(dir, sizeof dir, ".");
        else
            slash[slash == dir ? 1 : 0] = '\0';
        if (access(dir, W_OK | X_OK) != 0) {
            say("cannot create %s: %s: %s", o->file, dir, strerror(errno));
            return EXIT_FILE;
        }
        return EXIT_OK;
    }
    buf = file_read(o->file, PWFILE_MAX, &len, NULL, err, sizeof err);
    if (buf == NULL) {
        say("cannot modify %s: %s%s", o->file, err,
            errno == ENOENT ? "; use -c to create it" : "");
        return EXIT_FILE;
    }
    h = parse_file(o->file, buf, len);
    file_free(buf, len);
    if (h == NULL)
        return EXIT_BAD_FILE;
    htpasswd_free(h);
    return EXIT_OK;
}

/* Say what changes for the user beyond the hash. */
static void
note_entry(const struct tool_opts *o, const struct htpasswd *h,
           const struct pwfile_match *m)
{
    const struct htpasswd_entry *e = htpasswd_lookup(h, o->user, o->ulen);

    if (m->count > 1)
        say("warning: %s is defined %u times (lines %u and %u ...); every "
            "reader uses line %u, the only one changed",
            o->user, m->count, m->line, m->another, m->line);
    if (e == NULL)
        return;
    if (e->kind == HASH_LOCKED)
        say("note: %s was locked; the new password unlocks the account",
            o->user);
    if (htpasswd_entry_expired(e, (long long)time(NULL)))
        say("note: %s's entry has expired (expires= in its third field, "
            "kept): fcgi-authd still refuses it",
            o->user);
}

static void
note_created(const struct pwfile *pf)
{
    const struct passwd *pw = getpwuid(geteuid());
    const struct group *gr = getgrgid(getegid());

    say("note: created %s, mode %04o, owner %s:%s; let the web server or "
        "fcgi-authd read it with: chgrp GROUP %s",
        pf->path, PWFILE_NEW_MODE, pw != NULL ? pw->pw_name : "?",
        gr != NULL ? gr->gr_name : "?", pf->path);
}

/* Why a password mode leaves a token file alone (exit 7). */
static void
say_token_file(const struct tool_opts *o, const char *hint)
{
    say("%s holds tokens (lines NAME:sha256:...), not passwords: %s", o->file,
        hint);
}

/* Whether the file at path, if it can be read, is a token file. */
static bool
file_holds_tokens(const char *path)
{
    char err[512], *buf;
    size_t len = 0;
    bool tokens;

    buf = file_read(path, PWFILE_MAX, &len, NULL, err, sizeof err);
    tokens = buf != NULL && pwfile_is_tokens(buf, len);
    file_free(buf, len);
    return tokens;
}

/* One edit of the file's text. */
struct edit {
    char *out; /* the new text, wiped and freed by edit_file */
    size_t outlen;
    struct pwfile_match m;
    enum pwfile_set_result sr;
    int removed;
};

/*
 * The new text: pf's text with the user's hash set to new_hash, or (NULL)
 * the user's lines removed. EXIT_OK, or the exit code after saying why;
 * -1: nothing to do (-D of a user not in the file, as htpasswd: exit 0).
 */
static int
new_text(const struct tool_opts *o, const struct pwfile *pf,
         const char *new_hash, struct edit *e)
{
    if (new_hash == NULL) {
        e->removed = pwfile_delete(pf->data, pf->len, o->user, o->ulen, &e->out,
                                   &e->outlen);
        if (e->removed < 0) {
            say("out of memory");
            return EXIT_FILE;
        }
        if (e->removed == 0) {
            fprintf(stderr, "User %s not found\n", o->user);
            return -1;
        }
        return EXIT_OK;
    }
    e->sr = pwfile_set(pf->data, pf->len, o->user, o->ulen, new_hash,
                       strlen(new_hash), &e->out, &e->outlen, &e->m);
    if (e->sr == PWFILE_SET_ERROR) {
        say("out of memory");
        return EXIT_FILE;
    }
    if (e->m.end - e->m.start > HTPASSWD_LINE_MAX) {
        say("the line of %s would be %zu bytes, longer than the %d "
            "fcgi-authd reads",
            o->user, e->m.end - e->m.start, HTPASSWD_LINE_MAX);
        return EXIT_TOO_LONG;
    }
    return EXIT_OK;
}

/* What a careful admin wants to know before the file is replaced. */
static void
warn_file(const struct tool_opts *o, const struct pwfile *pf)
{
    if (pf->fd < 0)
        return;
    if (pf->st.st_nlink > 1)
        say("warning: %s has %ju hard links; the other names keep the old "
            "contents",
            pf->path, (uintmax_t)pf->st.st_nlink);
    if (pf->st.st_mode & S_IROTH)
        say("warning: every local user can read %s, %s (chmod o-r %s)",
            pf->path,
            o->token ? "the names and expiry of its tokens"
                     : "and hashes are secrets too",
            pf->path);
}

/* commit_edit's "a file appeared at that name since": edit it instead. */
#define EDIT_RETRY (-2)

/*
 * Replace the locked file with e's text, unless a signal came: then
 * nothing is written (exit 4). The replace itself runs with signals held.
 * may_retry: a new file that another edit made meanwhile is EDIT_RETRY,
 * not an error.
 */
static int
commit_edit(const struct tool_opts *o, struct pwfile *pf, const struct edit *e,
            bool may_retry)
{
    char err[1024];
    int rc;

    if (sig_caught) {
        say("interrupted; %s is unchanged", o->file);
        return EXIT_INTERRUPTED;
    }
    warn_file(o, pf);
    signals_block(true);
    rc = pwfile_commit(pf, e->out, e->outlen, err, sizeof err) == 0 ? EXIT_OK
                                                                    : EXIT_FILE;
    signals_block(false);
    if (rc != EXIT_OK && may_retry && pf->fd < 0 && errno == EEXIST)
        return EDIT_RETRY;
    if (rc != EXIT_OK)
        say("%s", err);
    return rc;
}

/*
 * Lock, re-read and re-check FILE, make the new text (new_hash NULL:
 * delete), write it. Signals are recorded from here on, and held while
 * the file is replaced.
 */
static int
edit_file(const struct tool_opts *o, const char *new_hash)
{
    struct edit e = {.sr = PWFILE_SET_ADDED};
    struct htpasswd *h = NULL;
    struct pwfile pf;
    char err[1024];
    int rc;

    sig_defer = 1;
    if (pwfile_open(o->file, o->create ? PWFILE_CREATE : PWFILE_EXISTING,
                    o->lock_wait * 1000U, &pf, err, sizeof err) != 0) {
        rc = errno == EINTR ? EXIT_INTERRUPTED : EXIT_FILE;
        say("%s", err);
        goto done;
    }
    rc = EXIT_BAD_FILE;
    /* Checked again under the lock: a password line spoils a token file. */
    if (new_hash != NULL && pwfile_is_tokens(pf.data, pf.len)) {
        say_token_file(o, "use --token to add a token");
        goto done;
    }
    h = parse_file(o->file, pf.data, pf.len);
    if (h == NULL)
        goto done;
    rc = new_text(o, &pf, new_hash, &e);
    if (rc != EXIT_OK) {
        rc = rc < 0 ? EXIT_OK : rc;
        goto done;
    }
    rc = commit_edit(o, &pf, &e, false);
    if (rc != EXIT_OK)
        goto done;
    if (new_hash == NULL)
        fprintf(stderr, "Deleting password for user %s%s\n", o->user,
                e.removed > 1 ? " (every line of it)" : "");
    else
        fprintf(stderr, "%s password for user %s\n",
                e.sr == PWFILE_SET_UPDATED ? "Updating" : "Adding", o->user);
    if (new_hash != NULL)
        note_entry(o, h, &e.m);
    if (o->create)
        note_created(&pf);
done:
    if (e.out != NULL) {
        util_wipe(e.out, e.outlen);
        free(e.out);
    }
    htpasswd_free(h);
    pwfile_close(&pf);
    return rc;
}

/* ---------------------------------------------------------------- tokens -- */

/* tokfile_parse's errors, told as tool_diag does, and counted in ctx. */
static void
token_diag(void *ctx, enum log_level sev, const char *file, unsigned line,
           const char *msg)
{
    unsigned *errors = ctx;

    if (sev == LOGL_ERROR)
        ++*errors;
    tool_diag(NULL, sev, file, line, msg);
}

/* The locked text is a token file fcgi-authd loads whole, or exit 7. */
static int
check_tokens(const struct tool_opts *o, const struct pwfile *pf)
{
    unsigned errors = 0;
    struct tokfile *f =
        tokfile_parse(o->file, pf->data, pf->len, token_diag, &errors);

    if (f == NULL) {
        say("out of memory");
        return EXIT_FILE;
    }
    tokfile_free(f);
    if (errors == 0)
        return EXIT_OK;
    say("%s is not a valid token file (fcgi-authd refuses those lines): fix "
        "them first",
        o->file);
    return EXIT_BAD_FILE;
}

/*
 * The new text of a token file without NAME's lines (-D). EXIT_OK, -1:
 * nothing to do (NAME not there, as -D of an unknown user), or the exit
 * code after saying why.
 */
static int
token_text_delete(const struct tool_opts *o, const struct pwfile *pf,
                  struct edit *e)
{
    e->removed =
        pwfile_delete(pf->data, pf->len, o->user, o->ulen, &e->out, &e->outlen);
    if (e->removed < 0) {
        say("out of memory");
        return EXIT_FILE;
    }
    if (e->removed > 0)
        return EXIT_OK;
    fprintf(stderr, "Token %s not found\n", o->user);
    return -1;
}

/*
 * The new text of a token file with line appended; with --replace,
 * NAME's old lines removed first. EXIT_OK, or the exit code after saying
 * why (EXIT_BAD_USER: NAME has a token, without --replace).
 */
static int
token_text_add(const struct tool_opts *o, const struct pwfile *pf,
               const char *line, struct edit *e)
{
    const char *text = pf->data, *rest = line + o->ulen + 1;
    size_t len = pf->len, tlen = 0;
    struct pwfile_match m;
    char *tmp = NULL;

    if (pwfile_find(text, len, o->user, o->ulen, &m) > 0) {
        if (!o->replace) {
            say("%s already has a token (line %u of %s): --replace makes a "
                "new one (the old one stops working), -D deletes it",
                o->user, m.line, o->file);
            return EXIT_BAD_USER;
        }
        e->removed = pwfile_delete(text, len, o->user, o->ulen, &tmp, &tlen);
        if (e->removed < 0) {
            say("out of memory");
            return EXIT_FILE;
        }
        text = tmp;
        len = tlen;
    }
    /* pwfile_set appends "NAME:" + the rest, with the file's line ending. */
    e->sr = pwfile_set(text, len, o->user, o->ulen, rest, strlen(rest), &e->out,
                       &e->outlen, &e->m);
    free(tmp);
    if (e->sr != PWFILE_SET_ERROR)
        return EXIT_OK;
    say("out of memory");
    return EXIT_FILE;
}

/*
 * Open FILE for a token edit: locked when it exists; made (a new file,
 * PWFILE_NEW_MODE) when it does not and a token is being added, or with -c.
 * *create tells which.
 */
static int
open_tokens(const struct tool_opts *o, struct pwfile *pf, bool *create)
{
    bool may_create = o->mode == MODE_SET && !o->create;
    char err[1024];
    int tries, saved = 0;

    *create = o->create;
    for (tries = 0; tries < 3; tries++) {
        if (pwfile_open(o->file, *create ? PWFILE_CREATE : PWFILE_EXISTING,
                        o->lock_wait * 1000U, pf, err, sizeof err) == 0)
            return EXIT_OK;
        saved = errno;
        /* Made (or removed) by another edit between two looks: again. */
        if (!may_create || (saved != ENOENT && saved != EEXIST))
            break;
        *create = saved == ENOENT;
        pwfile_close(pf);
    }
    say("%s", err);
    return saved == EINTR ? EXIT_INTERRUPTED : EXIT_FILE;
}

/*
 * Lock (or make) the token file, check it, make the new text (line NULL:
 * -D of NAME), write it. EDIT_RETRY: another edit made the file meanwhile.
 */
static int
edit_tokens(const struct tool_opts *o, const char *line)
{
    struct edit e = {.sr = PWFILE_SET_ADDED};
    struct pwfile pf;
    bool created = false;
    int rc;

    sig_defer = 1;
    rc = open_tokens(o, &pf, &created);
    if (rc == EXIT_OK)
        rc = check_tokens(o, &pf);
    if (rc == EXIT_OK)
        rc = line != NULL ? token_text_add(o, &pf, line, &e)
                          : token_text_delete(o, &pf, &e);
    if (rc == -1) {
        rc = EXIT_OK;
        goto done;
    }
    if (rc == EXIT_OK)
        rc = commit_edit(o, &pf, &e, created && !o->create);
    if (rc == EXIT_OK) {
        if (line == NULL)
            fprintf(stderr, "Deleting token %s%s\n", o->user,
                    e.removed > 1 ? " (every line of it)" : "");
        else
            fprintf(stderr, "%s token for %s%s%s\n",
                    e.removed > 0 ? "Replacing" : "Adding", o->user,
                    o->expires != 0 ? ", expires " : "",
                    o->expires != 0 ? o->expires_s : "");
        if (created)
            note_created(&pf);
    }
done:
    free(e.out);
    pwfile_close(&pf);
    return rc;
}

/*
 * The token and a newline on stdout with write(2): no stdio buffer keeps
 * a copy.
 */
static int
print_token(const struct tool_opts *o, const char *tok)
{
    char out[TOKEN_LEN + 1];
    size_t off = 0;
    ssize_t w = 0;

    memcpy(out, tok, TOKEN_LEN);
    out[TOKEN_LEN] = '\n';
    while (off < sizeof out) {
        w = write(STDOUT_FILENO, out + off, sizeof out - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    util_wipe(out, sizeof out);
    if (off == sizeof out)
        return EXIT_OK;
    say("cannot write the token to stdout (%s): %s's entry is in %s but "
        "nobody has its token: delete it with -D",
        w < 0 ? strerror(errno) : "short write", o->user, o->file);
    return EXIT_FILE;
}

/* Before a token is made: somewhere to print it, and -c's check. */
static int
precheck_token(const struct tool_opts *o)
{
    int fl = fcntl(STDOUT_FILENO, F_GETFL);

    if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY) {
        say("stdout is closed: the token would be lost; nothing written");
        return EXIT_FILE;
    }
    return o->create ? precheck_file(o) : EXIT_OK;
}

static int
run_token(const struct tool_opts *o)
{
    char tok[TOKEN_LEN + 1], line[TOKEN_LINE_MAX + 1];
    unsigned char d[TOKEN_DIGEST_LEN];
    int rc = precheck_token(o), tries = 0;

    if (rc != EXIT_OK)
        return rc;
    /* From here a signal is only recorded: the token is wiped on exit. */
    sig_defer = 1;
    if (token_generate(tok) != 0) {
        say("cannot make a token: no randomness from the kernel: %s",
            strerror(errno));
        return EXIT_FILE;
    }
    token_digest(tok, TOKEN_LEN, d);
    rc = EXIT_FILE;
    if (token_format_line(line, sizeof line, o->user, o->ulen, d,
                          (long long)time(NULL), o->expires) < 0) {
        say("cannot write the line of %s", o->user);
        goto done;
    }
    do
        rc = edit_tokens(o, line);
    while (rc == EDIT_RETRY && ++tries < 3);
    if (rc == EDIT_RETRY) {
        say("%s: made by other edits meanwhile, again and again; try again",
            o->file);
        rc = EXIT_FILE;
    }
    if (rc == EXIT_OK)
        rc = print_token(o, tok);
done:
    util_wipe(tok, sizeof tok);
    return rc;
}

/* ----------------------------------------------------------------- modes -- */

static int
run_set(const struct tool_opts *o)
{
    char hash[VERIFY_HASH_NEW_MAX] = "";
    int rc = precheck_file(o);

    if (rc == EXIT_OK)
        rc = get_password(o, true);
    if (rc == EXIT_OK)
        rc = make_hash(o, hash);
    util_wipe(pw1, sizeof pw1);
    if (rc == EXIT_OK)
        rc = edit_file(o, hash);
    util_wipe(hash, sizeof hash);
    return rc;
}

static int
run_delete(const struct tool_opts *o)
{
    int rc;

    if (o->token)
        return edit_tokens(o, NULL);
    rc = precheck_file(o);
    return rc == EXIT_OK ? edit_file(o, NULL) : rc;
}

static int
run_print(const struct tool_opts *o)
{
    char hash[VERIFY_HASH_NEW_MAX] = "";
    int rc = get_password(o, true);

    if (rc == EXIT_OK)
        rc = make_hash(o, hash);
    util_wipe(pw1, sizeof pw1);
    if (rc == EXIT_OK && o->ulen + 1 + strlen(hash) > HTPASSWD_LINE_MAX) {
        say("the line would be longer than the %d bytes fcgi-authd reads",
            HTPASSWD_LINE_MAX);
        rc = EXIT_TOO_LONG;
    }
    if (rc == EXIT_OK &&
        (printf("%s:%s\n", o->user, hash) < 0 || fflush(stdout) != 0)) {
        say("cannot write to stdout: %s", strerror(errno));
        rc = EXIT_FILE;
    }
    util_wipe(hash, sizeof hash);
    return rc;
}

/* What -v says about an entry fcgi-authd treats specially. */
static void
verify_notes(const struct tool_opts *o, const struct htpasswd_entry *e)
{
    if (e->kind == HASH_DES)
        say("note: fcgi-authd reads DES crypt only with allow_des = yes");
    if (e->kind == HASH_PLAIN)
        say("note: fcgi-authd reads {PLAIN} only with allow_plaintext = yes");
    if (htpasswd_entry_expired(e, (long long)time(NULL)))
        say("note: %s's entry has expired: fcgi-authd refuses it", o->user);
}

static int
run_verify(const struct tool_opts *o)
{
    const struct htpasswd_entry *e;
    struct verify_ctx *ctx = NULL;
    struct htpasswd *h = NULL;
    enum verify_result vr;
    char err[512], *buf;
    size_t len = 0;
    int rc;

    buf = file_read(o->file, PWFILE_MAX, &len, NULL, err, sizeof err);
    if (buf == NULL) {
        say("cannot read %s: %s", o->file, err);
        return EXIT_FILE;
    }
    h = parse_file(o->file, buf, len);
    file_free(buf, len);
    if (h == NULL)
        return EXIT_BAD_FILE;
    e = htpasswd_lookup(h, o->user, o->ulen);
    rc = EXIT_BAD_USER;
    if (e == NULL) {
        /* htpasswd -v's answer and exit code for an unknown user. */
        fprintf(stderr, "User %s not found\n", o->user);
        goto done;
    }
    rc = get_password(o, false);
    if (rc != EXIT_OK)
        goto done;
    rc = EXIT_FILE;
    ctx = verify_ctx_new();
    if (ctx == NULL) {
        say("out of memory");
        goto done;
    }
    vr = verify_password(ctx, e->kind, e->hash, pw1, pw1len);
    switch (vr) {
    case VERIFY_OK:
        fprintf(stderr, "Password for user %s correct.\n", o->user);
        verify_notes(o, e);
        rc = EXIT_OK;
        break;
    case VERIFY_MISMATCH:
        say("password verification failed");
        rc = EXIT_MISMATCH;
        break;
    case VERIFY_UNSUPPORTED:
        say("password verification failed: %s's entry %s", o->user,
            e->kind == HASH_LOCKED ? "is locked"
                                   : "has no hash fcgi-authd can check");
        rc = EXIT_MISMATCH;
        break;
    case VERIFY_ERROR:
        say("cannot check the password: internal error");
        break;
    }
done:
    util_wipe(pw1, sizeof pw1);
    verify_ctx_free(ctx);
    htpasswd_free(h);
    return rc;
}

struct audit_out {
    unsigned malformed;
};

static void
audit_print(void *ctx, const struct pwfile_finding *f)
{
    struct audit_out *a = ctx;
    const char *kind = pwfile_finding_name(f->kind);

    if (f->kind == PWFILE_MALFORMED)
        a->malformed++;
    if (f->line == 0)
        printf("%s: %s\n", kind, f->text);
    else if (f->user == NULL)
        printf("line %u: %s: %s\n", f->line, kind, f->text);
    else
        printf("line %u: %.*s: %s: %s\n", f->line, (int)f->ulen, f->user, kind,
               f->text);
}

static int
run_audit(const struct tool_opts *o)
{
    struct audit_out a = {0};
    struct stat st;
    char err[512], *buf;
    size_t len = 0;
    long found;

    buf = file_read(o->file, PWFILE_MAX, &len, &st, err, sizeof err);
    if (buf == NULL) {
        say("cannot read %s: %s", o->file, err);
        return EXIT_FILE;
    }
    if (o->token)
        found = pwfile_audit_tokens(o->file, buf, len, &st,
                                    (long long)time(NULL), audit_print, &a);
    else
        found = pwfile_audit(o->file, buf, len, &st, (long long)time(NULL),
                             &tool_read_opts, audit_print, &a);
    file_free(buf, len);
    if (fflush(stdout) != 0) {
        say("cannot write to stdout: %s", strerror(errno));
        return EXIT_FILE;
    }
    if (found < 0) {
        say("out of memory");
        return EXIT_FILE;
    }
    if (a.malformed > 0) {
        say(o->token ? "%s has lines fcgi-authd refuses (it loads the rest)"
                     : "%s is not a valid password file (fcgi-authd would "
                       "refuse it)",
            o->file);
        return EXIT_BAD_FILE;
    }
    return found > 0 ? EXIT_AUDIT : EXIT_OK;
}

/* ------------------------------------------------------------- options -- */

enum {
    OPT_AUDIT = 256,
    OPT_CMDLINE_PW,
    OPT_LOCK_WAIT,
    OPT_TOKEN,
    OPT_EXPIRES,
    OPT_REPLACE,
};

/* Why the methods htpasswd writes are not written here. */
static const char why_apr1[] =
    "Apache MD5 ($apr1$) is legacy: 1000 rounds of MD5, guessed at billions "
    "a second on one GPU";
static const char why_sha[] =
    "{SHA} is legacy: one unsalted SHA-1, so equal passwords have equal "
    "hashes and precomputed tables apply";
static const char why_des[] =
    "DES crypt is legacy: only 8 characters of the password count";
static const char why_plain[] =
    "plaintext is legacy: the file would hold the password itself";
static const char why_sha256[] =
    "sha256-crypt is not offered: sha512 (-m sha512) is the same design "
    "with a longer hash";

static const struct {
    const char *name;
    const char *why;
} legacy_methods[] = {
    {"md5", why_apr1},       {"apr1", why_apr1},       {"sha", why_sha},
    {"sha1", why_sha},       {"crypt", why_des},       {"des", why_des},
    {"plain", why_plain},    {"plaintext", why_plain}, {"sha256", why_sha256},
    {"sha-256", why_sha256},
};

static int
refuse_legacy(const char *why)
{
    return usage_error("%s; fcgi-authd still reads it and -v checks it, but "
                       "new passwords are yescrypt (default), bcrypt or "
                       "sha512",
                       why);
}

static int
parse_method(const char *s, struct tool_opts *o)
{
    enum hash_kind k;
    size_t i;

    if (strcmp(s, "yescrypt") == 0)
        k = HASH_YESCRYPT;
    else if (strcmp(s, "bcrypt") == 0)
        k = HASH_BCRYPT;
    else if (strcmp(s, "sha512") == 0 || strcmp(s, "sha-512") == 0)
        k = HASH_SHA512;
    else {
        for (i = 0; i < sizeof legacy_methods / sizeof legacy_methods[0]; i++)
            if (strcmp(s, legacy_methods[i].name) == 0)
                return refuse_legacy(legacy_methods[i].why);
        return usage_error("unknown method '%s': yescrypt, bcrypt or sha512 "
                           "(-m takes a method here, not htpasswd's MD5)",
                           s);
    }
    if (o->method_set && o->method != k)
        return usage_error("two different methods given");
    o->method = k;
    o->method_set = true;
    return EXIT_OK;
}

static int
parse_number(const char *s, unsigned long max, const char *what,
             unsigned long *out)
{
    if (util_parse_ulong(s, strlen(s), 0, max, out) != 0)
        return usage_error("%s: '%s' is not a number from 0 to %lu", what, s,
                           max);
    return EXIT_OK;
}

/* -C against the method's range (0 is never given on purpose). */
static int
check_cost(const struct tool_opts *o)
{
    unsigned long min, max;

    switch (o->method) {
    case HASH_BCRYPT:
        min = VERIFY_BCRYPT_COST_MIN;
        max = VERIFY_BCRYPT_COST_MAX;
        break;
    case HASH_SHA512:
        min = VERIFY_SHA512_ROUNDS_MIN;
        max = VERIFY_SHA512_ROUNDS_MAX;
        break;
    default:
        min = VERIFY_YESCRYPT_COST_MIN;
        max = VERIFY_YESCRYPT_COST_MAX;
        break;
    }
    if (o->cost < min || o->cost > max)
        return usage_error("%s cost %lu out of range (%lu..%lu)",
                           verify_kind_name(o->method), o->cost, min, max);
    return EXIT_OK;
}

/* Take the password out of argv, so ps shows it for as short as can be. */
static int
take_cmdline_password(char *arg, struct tool_opts *o)
{
    size_t n = strlen(arg);

    if (o->cmdline_pw)
        return usage_error("--password-on-command-line given twice");
    if (n > VERIFY_PASSWORD_MAX) {
        util_wipe(arg, n);
        say("password longer than %d bytes", VERIFY_PASSWORD_MAX);
        return EXIT_TOO_LONG;
    }
    memcpy(pw1, arg, n);
    pw1len = n;
    util_wipe(arg, n);
    o->cmdline_pw = true;
    say("warning: a password on the command line is seen by every local "
        "user (ps, /proc) and may stay in the shell's history; prefer -i");
    return EXIT_OK;
}

/* The option letters htpasswd has and this tool refuses. */
static int
refuse_htpasswd_flag(int c)
{
    switch (c) {
    case 'b':
        return usage_error(
            "-b would put the password on the command line, where every "
            "local user sees it (ps): use -i (stdin), or "
            "--password-on-command-line PASSWORD if you must");
    case 'd':
        return refuse_legacy(why_des);
    case 's':
        return refuse_legacy(why_sha);
    case 'p':
        return refuse_legacy(why_plain);
    case '2':
        return refuse_legacy(why_sha256);
    default:
        return usage_error("unknown option");
    }
}

static int
parse_option(int c, char *arg, struct tool_opts *o, bool *cost_set)
{
    unsigned long v;
    int rc = EXIT_OK;

    switch (c) {
    case 'c':
        o->create = true;
        break;
    case 'i':
        o->from_stdin = true;
        break;
    case 'B':
        return parse_method("bcrypt", o);
    case '5':
        return parse_method("sha512", o);
    case 'm':
        return parse_method(arg, o);
    case 'C':
    case 'r':
        rc = parse_number(arg, VERIFY_SHA512_ROUNDS_MAX, c == 'C' ? "-C" : "-r",
                          &o->cost);
        *cost_set = true;
        break;
    case 'D':
        o->mode = MODE_DELETE;
        o->modes++;
        break;
    case 'v':
        o->mode = MODE_VERIFY;
        o->modes++;
        break;
    case 'n':
        o->mode = MODE_PRINT;
        o->modes++;
        break;
    case OPT_AUDIT:
        o->mode = MODE_AUDIT;
        o->modes++;
        break;
    case OPT_CMDLINE_PW:
        return take_cmdline_password(arg, o);
    case OPT_LOCK_WAIT:
        rc = parse_number(arg, LOCK_WAIT_MAX, "--lock-wait", &v);
        o->lock_wait = (unsigned)v;
        break;
    case OPT_TOKEN:
        o->token = true;
        break;
    case OPT_EXPIRES:
        o->expires_s = arg;
        break;
    case OPT_REPLACE:
        o->replace = true;
        break;
    default:
        return refuse_htpasswd_flag(c);
    }
    return rc;
}

/* --token and its options: a token is made, never typed. */
static int
check_token_options(const struct tool_opts *o, bool cost_set)
{
    if (o->token && (o->mode == MODE_VERIFY || o->mode == MODE_PRINT))
        return usage_error("--token goes with making a token, -D and --audit");
    if ((o->replace || o->expires_s != NULL) &&
        !(o->token && o->mode == MODE_SET))
        return usage_error("--replace and --expires only go with --token "
                           "FILE NAME");
    if (o->token &&
        (o->from_stdin || o->cmdline_pw || o->method_set || cost_set))
        return usage_error("--token takes no password, method or cost: the "
                           "token is made at random");
    return EXIT_OK;
}

/* --expires: a day that has not begun yet (UTC). */
static int
parse_expires(struct tool_opts *o)
{
    size_t n = strlen(o->expires_s);

    if (n != 10 || util_parse_utc(o->expires_s, n, &o->expires) != 0)
        return usage_error("--expires '%s': expected a day, YYYY-MM-DD (UTC)",
                           o->expires_s);
    if (o->expires <= (long long)time(NULL))
        return usage_error("--expires %s: that day has begun (UTC) and a "
                           "token expires at its start: it would never work",
                           o->expires_s);
    return EXIT_OK;
}

/* The combinations that make sense, and the operands each mode takes. */
static int
check_combination(struct tool_opts *o, bool cost_set, int nargs)
{
    bool new_pw = o->mode == MODE_SET || o->mode == MODE_PRINT;
    int want = o->mode == MODE_AUDIT || o->mode == MODE_PRINT ? 1 : 2;
    int rc;

    if (o->modes > 1)
        return usage_error("choose one of -D, -v, -n and --audit");
    rc = check_token_options(o, cost_set);
    if (rc != EXIT_OK)
        return rc;
    if (o->create && o->mode != MODE_SET)
        return usage_error("-c only goes with adding or changing a user");
    if (o->from_stdin && o->cmdline_pw)
        return usage_error("-i and --password-on-command-line both give "
                           "the password");
    if ((o->from_stdin || o->cmdline_pw) &&
        (o->mode == MODE_DELETE || o->mode == MODE_AUDIT))
        return usage_error("%s takes no password",
                           o->mode == MODE_DELETE ? "-D" : "--audit");
    if ((o->method_set || cost_set) && !new_pw)
        return usage_error("-B, -m and -C only go with a new password");
    if (nargs != want)
        return usage_error(
            "%s", o->mode == MODE_AUDIT ? "--audit takes one FILE"
                  : o->mode == MODE_PRINT
                      ? "-n takes one USER (it prints the line, no FILE)"
                      : "FILE and USER expected");
    if (!o->method_set)
        o->method = HASH_YESCRYPT;
    if (o->expires_s != NULL)
        return parse_expires(o);
    if (cost_set)
        return check_cost(o);
    return EXIT_OK;
}

/* A token's NAME: token_name_check's rules (no spaces at all). */
static int
check_token_name(const struct tool_opts *o)
{
    const char *why;

    switch (token_name_check(o->user, o->ulen, &why)) {
    case TOKEN_NAME_OK:
        return EXIT_OK;
    case TOKEN_NAME_TOO_LONG:
        say("%s", why);
        return EXIT_TOO_LONG;
    case TOKEN_NAME_ILLEGAL:
        break;
    }
    say("%s", why);
    return EXIT_BAD_USER;
}

/* The operands: their lengths and the user name's characters. */
static int
check_operands(struct tool_opts *o)
{
    const char *why;

    if (o->file != NULL && strlen(o->file) >= PATH_MAX) {
        say("file name longer than %d bytes", PATH_MAX - 1);
        return EXIT_TOO_LONG;
    }
    if (o->user == NULL)
        return EXIT_OK;
    o->ulen = strlen(o->user);
    if (o->token)
        return check_token_name(o);
    switch (pwfile_user_check(o->user, o->ulen, &why)) {
    case PWFILE_USER_OK:
        return EXIT_OK;
    case PWFILE_USER_TOO_LONG:
        say("%s", why);
        return EXIT_TOO_LONG;
    case PWFILE_USER_ILLEGAL:
        break;
    }
    say("%s", why);
    return EXIT_BAD_USER;
}

static int
parse_args(int argc, char **argv, struct tool_opts *o)
{
    static const struct option longopts[] = {
        {"create", no_argument, NULL, 'c'},
        {"stdin", no_argument, NULL, 'i'},
        {"bcrypt", no_argument, NULL, 'B'},
        {"method", required_argument, NULL, 'm'},
        {"cost", required_argument, NULL, 'C'},
        {"delete", no_argument, NULL, 'D'},
        {"verify", no_argument, NULL, 'v'},
        {"print", no_argument, NULL, 'n'},
        {"audit", no_argument, NULL, OPT_AUDIT},
        {"password-on-command-line", required_argument, NULL, OPT_CMDLINE_PW},
        {"lock-wait", required_argument, NULL, OPT_LOCK_WAIT},
        {"token", no_argument, NULL, OPT_TOKEN},
        {"expires", required_argument, NULL, OPT_EXPIRES},
        {"replace", no_argument, NULL, OPT_REPLACE},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    bool cost_set = false;
    int c, rc, nargs;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":ciBm:C:Dvn5r:hVbdsp2", longopts,
                            NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return -1;
        }
        if (c == 'V') {
            printf(PROG " %s\n", PACKAGE_VERSION);
            return -1;
        }
        if (c == ':')
            return usage_error("%s needs a value", argv[optind - 1]);
        if (c == '?' && optopt != 0)
            return usage_error("unknown option '-%c'", optopt);
        if (c == '?')
            return usage_error("unknown option '%s'", argv[optind - 1]);
        rc = parse_option(c, optarg, o, &cost_set);
        if (rc != EXIT_OK)
            return rc;
    }
    nargs = argc - optind;
    rc = check_combination(o, cost_set, nargs);
    if (rc != EXIT_OK)
        return rc;
    if (o->mode == MODE_PRINT) {
        o->user = argv[optind];
    } else {
        o->file = argv[optind];
        o->user = o->mode == MODE_AUDIT ? NULL : argv[optind + 1];
    }
    return check_operands(o);
}

/*
 * A token file needs no --token for -D and --audit (its lines tell), and
 * is left alone where a password is meant.
 */
static int
tell_file_kind(struct tool_opts *o)
{
    if (o->token || o->create || o->mode == MODE_PRINT ||
        !file_holds_tokens(o->file))
        return EXIT_OK;
    switch (o->mode) {
    case MODE_DELETE:
    case MODE_AUDIT:
        o->token = true;
        return EXIT_OK;
    case MODE_SET:
        say_token_file(o, "add a token with --token");
        return EXIT_BAD_FILE;
    case MODE_VERIFY:
    case MODE_PRINT:
        break;
    }
    say_token_file(o, "-v checks passwords");
    return EXIT_BAD_FILE;
}

int
main(int argc, char **argv)
{
    struct tool_opts o = {.mode = MODE_SET, .lock_wait = LOCK_WAIT_DEFAULT};
    int rc;

    signals_init();
    rc = parse_args(argc, argv, &o);
    if (rc < 0) {
        rc = fflush(stdout) == 0 ? EXIT_OK : EXIT_FILE;
        goto done;
    }
    if (rc == EXIT_OK)
        rc = tell_file_kind(&o);
    if (rc != EXIT_OK)
        goto done;
    switch (o.mode) {
    case MODE_SET:
        rc = o.token ? run_token(&o) : run_set(&o);
        break;
    case MODE_DELETE:
        rc = run_delete(&o);
        break;
    case MODE_VERIFY:
        rc = run_verify(&o);
        break;
    case MODE_PRINT:
        rc = run_print(&o);
        break;
    case MODE_AUDIT:
        rc = run_audit(&o);
        break;
    }
done:
    tty_restore();
    util_wipe(pw1, sizeof pw1);
    util_wipe(pw2, sizeof pw2);
    return rc;
}
