/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A child process under sd-event, with a deadline and its stdout collected (see child-run.h). */

#include <assert.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child-run.h"

#define READ_CHUNK 4096

struct ChildRun {
        sd_event_source *child;
        sd_event_source *io;
        sd_event_source *timer;
        pid_t pid;
        bool exited;
        int status;
        int error; /* why we killed it, once we did */
        int fd;    /* stdout's read end */
        char *output;
        size_t n_output;
        size_t capture_max;
        child_run_done_t done;
        void *userdata;
};

static _noreturn_ void run_child(const ChildRunOptions *o, int out_fd) {
        int r;

        if (out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0)
                _exit(EIO);
        if (o->path || o->stderr_to_null) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);

                if (null < 0)
                        _exit(EIO);
                if (o->path && dup2(null, STDIN_FILENO) < 0)
                        _exit(EIO);
                if (o->stderr_to_null && dup2(null, STDERR_FILENO) < 0)
                        _exit(EIO);
        }
        if (o->path) {
                sigset_t none;

                /* A program starts as programs do: no signal blocked (the daemon blocks
                 * SIGCHLD and its sd-event signals), SIGPIPE as the default. */
                sigemptyset(&none);
                (void)sigprocmask(SIG_SETMASK, &none, NULL);
                (void)signal(SIGPIPE, SIG_DFL);
                /* A program that is not there is said by the exit status, without an execve()
                 * that fails (which tools such as valgrind cannot follow). */
                if (access(o->path, X_OK) == 0)
                        execv(o->path, o->argv);
                _exit(127);
        }
        r = o->func(o->func_userdata);
        /* An errno fits an exit status; anything odd becomes EIO. */
        _exit(r >= 0 ? 0 : -r <= 255 ? -r : EIO);
}

/* Kill it, for error (the first reason stands). The child's exit brings the result. */
static void kill_for(ChildRun *c, int error) {
        if (c->error == 0)
                c->error = error;
        c->timer = sd_event_source_disable_unref(c->timer);
        c->io = sd_event_source_disable_unref(c->io);
        if (c->exited)
                return;
        if (c->child)
                (void)sd_event_source_send_child_signal(c->child, SIGKILL, NULL, 0);
        else
                (void)kill(c->pid, SIGKILL);
}

/* Read what is there: > 0 when something came, 0 when nothing is there now, < 0 at the end of
 * the output (or when the child is to be killed for it). */
static int read_output(ChildRun *c) {
        char buf[READ_CHUNK];
        ssize_t k;
        char *p;

        if (c->fd < 0)
                return -1;
        k = read(c->fd, buf, sizeof(buf));
        if (k < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : -1;
        if (k == 0)
                return -1;
        if ((size_t)k > c->capture_max - c->n_output) {
                kill_for(c, -EFBIG);
                return -1;
        }
        p = realloc(c->output, c->n_output + (size_t)k + 1);
        if (!p) {
                kill_for(c, -ENOMEM);
                return -1;
        }
        c->output = p;
        memcpy(c->output + c->n_output, buf, (size_t)k);
        c->n_output += (size_t)k;
        c->output[c->n_output] = '\0';
        return 1;
}

static int on_output(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        ChildRun *c = userdata;

        if (read_output(c) < 0)
                c->io = sd_event_source_disable_unref(c->io);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        kill_for(userdata, -ETIMEDOUT);
        return 0;
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata) {
        ChildRun *c = userdata;
        child_run_done_t done = c->done;
        ChildRunResult result;

        c->exited = true;
        c->status = si->si_code == CLD_EXITED ? si->si_status : -1;
        c->timer = sd_event_source_disable_unref(c->timer);
        /* What it wrote before it ended is in the pipe now: take it all, without waiting for
         * an end of file that a grandchild holding the pipe could delay. */
        if (c->error == 0)
                while (read_output(c) > 0)
                        ;
        c->io = sd_event_source_disable_unref(c->io);
        c->fd = safe_close(c->fd);

        result = (ChildRunResult){
                .error = c->error,
                .status = c->status,
                .output = c->capture_max > 0 && c->error == 0 ? (c->output ?: "") : NULL,
                .n_output = c->error == 0 ? c->n_output : 0,
        };
        /* sd-event reaps the child when this returns. done may free c. */
        c->done = NULL;
        assert(done);
        done(c, &result, c->userdata);
        return 0;
}

int child_run_start(sd_event *event, const ChildRunOptions *o, child_run_done_t done,
                    void *userdata, ChildRun **ret) {
        _cleanup_(child_run_freep) ChildRun *c = NULL;
        _cleanup_close_ int out_r = -EBADF, out_w = -EBADF;
        int r;

        if (!event || !o || !done || !ret || !o->func == !o->path || (o->path && !o->argv))
                return -EINVAL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->fd = -EBADF;
        c->capture_max = o->capture_max;
        if (o->capture_max > 0) {
                int p[2];

                if (pipe2(p, O_CLOEXEC) < 0)
                        return negative_errno();
                out_r = p[0];
                out_w = p[1];
        }

        c->pid = fork();
        if (c->pid < 0) {
                c->pid = 0;
                return negative_errno();
        }
        if (c->pid == 0)
                run_child(o, out_w);
        out_w = safe_close(out_w);

        /* From here on, a failure kills and reaps the child (child_run_free). */
        r = sd_event_add_child(event, &c->child, c->pid, WEXITED, on_child, c);
        if (r < 0)
                return r;
        if (out_r >= 0) {
                c->fd = TAKE_FD(out_r);
                if (fcntl(c->fd, F_SETFL, O_NONBLOCK) < 0)
                        return negative_errno();
                r = sd_event_add_io(event, &c->io, c->fd, EPOLLIN, on_output, c);
                if (r < 0)
                        return r;
        }
        if (o->timeout_usec > 0) {
                r = sd_event_add_time_relative(event, &c->timer, CLOCK_MONOTONIC, o->timeout_usec,
                                               0, on_timer, c);
                if (r < 0)
                        return r;
        }
        c->done = done;
        c->userdata = userdata;
        *ret = TAKE_PTR(c);
        return 0;
}

void child_run_kill(ChildRun *c, int reason) {
        if (c && !c->exited)
                kill_for(c, reason < 0 ? reason : -ECANCELED);
}

/* Wait for the child to end without the event loop: a pidfd where the kernel has them (taken
 * while the pid is still ours: not reaped), otherwise short sleeps. */
static void wait_a_little(int pidfd, uint64_t until_usec) {
        uint64_t now = now_usec(CLOCK_MONOTONIC);
        uint64_t left = until_usec > now ? until_usec - now : 0;

        if (left == 0)
                return;
        if (pidfd >= 0) {
                struct pollfd p = { .fd = pidfd, .events = POLLIN };
                (void)poll(&p, 1, (int)MIN(left / USEC_PER_MSEC + 1, (uint64_t)INT32_MAX));
                return;
        }
        left = MIN(left, 10 * USEC_PER_MSEC);
        (void)nanosleep(&(struct timespec){ .tv_nsec = (long)(left * 1000) }, NULL);
}

int child_run_reap(ChildRun *c, uint64_t until_usec) {
        int pidfd = -EBADF;

        if (!c || c->pid <= 0 || c->exited)
                return 1;
        /* From here on we reap it ourselves: sd-event must not look for it any more. */
        pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
        c->child = sd_event_source_disable_unref(c->child);
        for (;;) {
                siginfo_t si = {};

                if (waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOHANG) < 0) {
                        if (errno == EINTR)
                                continue;
                        c->exited = true; /* ECHILD: not ours to wait for any more */
                        break;
                }
                if (si.si_pid == c->pid) {
                        c->exited = true;
                        break;
                }
                if (now_usec(CLOCK_MONOTONIC) >= until_usec)
                        break;
                wait_a_little(pidfd, until_usec);
        }
        safe_close(pidfd);
        return c->exited ? 1 : 0;
}

ChildRun *child_run_free(ChildRun *c) {
        if (!c)
                return NULL;
        c->timer = sd_event_source_disable_unref(c->timer);
        c->io = sd_event_source_disable_unref(c->io);
        if (c->pid > 0 && !c->exited) {
                /* Not reaped yet (sd-event reaps only after our callback ran), so the pid is
                 * still ours. A killed child ends at once, unless it sits in an
                 * uninterruptible kernel wait: then it is left, after a bounded wait. */
                if (c->child)
                        (void)sd_event_source_send_child_signal(c->child, SIGKILL, NULL, 0);
                else
                        (void)kill(c->pid, SIGKILL);
                (void)child_run_reap(c, now_usec(CLOCK_MONOTONIC) + CHILD_RUN_REAP_USEC);
        }
        /* An exited child is reaped by sd-event after on_child, even with its source gone. */
        c->child = sd_event_source_disable_unref(c->child);
        safe_close(c->fd);
        free(c->output);
        free(c);
        return NULL;
}

ChildRun *child_run_abandon(ChildRun *c) {
        if (!c)
                return NULL;
        c->exited = true; /* as far as free is concerned */
        return child_run_free(c);
}

pid_t child_run_get_pid(const ChildRun *c) {
        return c ? c->pid : 0;
}

bool child_run_exited(const ChildRun *c) {
        return c && c->exited;
}

int child_run_result_to_errno(const ChildRunResult *result) {
        if (!result)
                return -EINVAL;
        if (result->error < 0)
                return result->error;
        if (result->status < 0)
                return -EINTR;
        return -result->status;
}
