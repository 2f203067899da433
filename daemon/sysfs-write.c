/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's sysfs writes in child processes, on child-run.h, and the set of them (see
 * sysfs-write.h).
 *
 * A write lives from its start until its child has been reaped, in the writer's list. Its state
 * says who still waits for it: its caller (RUNNING; KILLING once cancelled), nobody (ABANDONED),
 * or nobody but the stuck count (STUCK: the caller heard it, the child sits in the kernel).
 */

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "child-run.h"
#include "hisi/pci-address.h"
#include "hisi/pci-bind.h"
#include "string-table.h"
#include "sysfs-write.h"

typedef enum WriteState {
        WRITE_RUNNING,   /* the caller waits for its result */
        WRITE_KILLING,   /* cancelled: killed, the caller waits for the reap or the grace */
        WRITE_ABANDONED, /* killed, nobody waits; reaped when it ends */
        WRITE_STUCK,     /* did not end within the grace: counted until it ends */
} WriteState;

struct SysfsWrite {
        SysfsWriter *writer;
        SysfsWrite *prev, *next;
        ChildRun *run;
        sd_event_source *grace;
        WriteState state;
        char address[HISI_PCI_ADDRESS_MAX];
        hisi_bind_attr attr;
        char *value;
        sysfs_write_done_t done;
        void *userdata;
};

struct SysfsWriter {
        sd_event *event;
        hisi_ctx *ctx;
        SysfsWrite *writes;
        unsigned n_writes;
        unsigned n_stuck;
        sysfs_writer_unstuck_t unstuck;
        void *unstuck_userdata;
};

static const char *const sysfs_write_end_table[_SYSFS_WRITE_END_MAX] = {
        [SYSFS_WRITE_RETURNED] = "returned",
        [SYSFS_WRITE_KILLED] = "killed",
        [SYSFS_WRITE_STUCK] = "stuck",
};
DEFINE_STRING_TABLE_LOOKUP(sysfs_write_end, SysfsWriteEnd);

/* ---- One write ---- */

/* Out of the list and gone. The child must have been reaped (or be left for good). */
static void write_free(SysfsWrite *w) {
        SysfsWriter *writer = w->writer;

        if (w->prev)
                w->prev->next = w->next;
        else
                writer->writes = w->next;
        if (w->next)
                w->next->prev = w->prev;
        writer->n_writes--;
        if (w->state == WRITE_STUCK)
                writer->n_stuck--;
        sd_event_source_disable_unref(w->grace);
        child_run_free(w->run);
        free(w->value);
        free(w);
}

/* In the child. */
static int child_write(void *userdata) {
        SysfsWrite *w = userdata;

        return hisi_pci_bind_write(w->writer->ctx, w->address, w->attr, w->value);
}

static void on_child_done(ChildRun *c, const ChildRunResult *result, void *userdata) {
        SysfsWrite *w = userdata;
        SysfsWriter *writer = w->writer;
        sysfs_write_done_t done = w->done;
        void *done_userdata = w->userdata;
        WriteState state = w->state;
        char address[HISI_PCI_ADDRESS_MAX];

        strcpy(address, w->address);
        write_free(w);
        switch (state) {
        case WRITE_RUNNING:
                done(SYSFS_WRITE_RETURNED, child_run_result_to_errno(result), done_userdata);
                return;
        case WRITE_KILLING:
                /* The write may have returned just before the kill landed: then it counts. */
                if (result->status >= 0)
                        done(SYSFS_WRITE_RETURNED, -result->status, done_userdata);
                else
                        done(SYSFS_WRITE_KILLED, -ETIMEDOUT, done_userdata);
                return;
        case WRITE_STUCK:
                if (writer->unstuck)
                        writer->unstuck(writer, address, writer->unstuck_userdata);
                return;
        case WRITE_ABANDONED:
                return;
        }
        assert(false);
}

static int on_grace(sd_event_source *s, uint64_t usec, void *userdata) {
        SysfsWrite *w = userdata;
        bool tell = w->state == WRITE_KILLING;

        w->grace = sd_event_source_disable_unref(w->grace);
        assert(w->state == WRITE_KILLING || w->state == WRITE_ABANDONED);
        w->state = WRITE_STUCK;
        w->writer->n_stuck++;
        if (tell)
                /* The caller is done with it; it stays ours until its child ends. */
                w->done(SYSFS_WRITE_STUCK, -ETIMEDOUT, w->userdata);
        return 0;
}

/* Kill the child and give it the grace to end. */
static void kill_child(SysfsWrite *w, WriteState state) {
        assert(w->state == WRITE_RUNNING || w->state == WRITE_KILLING);
        w->state = state;
        child_run_kill(w->run, -ETIMEDOUT);
        if (w->grace)
                return;
        /* Without a timer (out of memory) the caller waits for the reap, however long. */
        (void)sd_event_add_time_relative(w->writer->event, &w->grace, CLOCK_MONOTONIC,
                                         SYSFS_WRITE_KILL_GRACE_USEC, 0, on_grace, w);
}

bool sysfs_writer_is_stuck(const SysfsWriter *writer, const char *address) {
        if (!writer || !address)
                return false;
        for (const SysfsWrite *w = writer->writes; w; w = w->next)
                if (w->state == WRITE_STUCK && streq(w->address, address))
                        return true;
        return false;
}

int sysfs_write_start(SysfsWriter *writer, const char *address, hisi_bind_attr attr,
                      const char *value, sysfs_write_done_t done, void *userdata,
                      SysfsWrite **ret) {
        ChildRunOptions o = { .func = child_write };
        SysfsWrite *w;
        int r;

        if (!writer || !address || !hisi_pci_address_valid(address) || !done || !ret || attr < 0 ||
            attr >= _HISI_BIND_ATTR_MAX)
                return -EINVAL;
        if (sysfs_writer_is_stuck(writer, address))
                return -EDEADLK;
        if (writer->n_stuck >= SYSFS_WRITE_STUCK_MAX)
                return -EMFILE;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->writer = writer;
        strcpy(w->address, address);
        w->attr = attr;
        if (value) {
                w->value = strdup(value);
                if (!w->value) {
                        free(w);
                        return -ENOMEM;
                }
        }
        o.func_userdata = w;
        r = child_run_start(writer->event, &o, on_child_done, w, &w->run);
        if (r < 0) {
                free(w->value);
                free(w);
                return r;
        }
        w->state = WRITE_RUNNING;
        w->done = done;
        w->userdata = userdata;
        w->next = writer->writes;
        if (w->next)
                w->next->prev = w;
        writer->writes = w;
        writer->n_writes++;
        *ret = w;
        return 0;
}

void sysfs_write_cancel(SysfsWrite *w) {
        if (w && w->state == WRITE_RUNNING)
                kill_child(w, WRITE_KILLING);
}

void sysfs_write_abandon(SysfsWrite *w) {
        if (!w)
                return;
        w->done = NULL;
        w->userdata = NULL;
        if (w->state == WRITE_RUNNING || w->state == WRITE_KILLING)
                kill_child(w, WRITE_ABANDONED);
}

/* ---- The set ---- */

int sysfs_writer_new(sd_event *event, hisi_ctx *ctx, SysfsWriter **ret) {
        SysfsWriter *w;

        if (!event || !ctx || !ret)
                return -EINVAL;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->event = sd_event_ref(event);
        w->ctx = ctx;
        *ret = w;
        return 0;
}

void sysfs_writer_set_unstuck_callback(SysfsWriter *w, sysfs_writer_unstuck_t cb, void *userdata) {
        if (!w)
                return;
        w->unstuck = cb;
        w->unstuck_userdata = userdata;
}

unsigned sysfs_writer_n_children(const SysfsWriter *w) {
        return w ? w->n_writes : 0;
}

unsigned sysfs_writer_n_stuck(const SysfsWriter *w) {
        return w ? w->n_stuck : 0;
}

SysfsWriter *sysfs_writer_free(SysfsWriter *writer, unsigned *ret_left) {
        uint64_t until;
        unsigned left = 0;

        if (!writer) {
                if (ret_left)
                        *ret_left = 0;
                return NULL;
        }
        /* Every child killed first, then one wait for all of them. */
        for (SysfsWrite *w = writer->writes; w; w = w->next)
                child_run_kill(w->run, -ESHUTDOWN);
        until = now_usec(CLOCK_MONOTONIC) + SYSFS_WRITER_EXIT_WAIT_USEC;
        while (writer->writes) {
                SysfsWrite *w = writer->writes;

                if (child_run_reap(w->run, until) == 0) {
                        left++; /* the kernel keeps it: init reaps it after we are gone */
                        w->run = child_run_abandon(w->run);
                }
                w->done = NULL;
                w->state = WRITE_ABANDONED;
                write_free(w);
        }
        sd_event_unref(writer->event);
        free(writer);
        if (ret_left)
                *ret_left = left;
        return NULL;
}
