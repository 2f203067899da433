/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Manager follows libvirt (issue 14): a long-lived event helper (libvirt-events.h) while
 * libvirt.enabled, started again with a backoff whenever it ends (libvirt restarted, the
 * connection dropped, the helper died); each event keeps three things current:
 *
 *  - which VFs libvirt manages (managed='yes', the policy's LibvirtDomain): each domain's list
 *    replaced by the one its event carries, and the whole list by the snapshot a new follower
 *    prints before it follows (so a reconnection is a rescan);
 *  - which VFs a running domain holds: started (or found running) holds them for it, stopped or
 *    undefined releases its reservations and holds (manager-reservation.h);
 *  - the metadata (accmig-metadata.h) of every domain with a HiSilicon VF hostdev,
 *    written by `hisi-accmigd-libvirt --set-metadata`, one domain at a time, each under
 *    timeouts.libvirt_ms.
 *
 * Nothing here blocks the loop: the helpers are children, read from the event loop.
 */

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "accmig-metadata.h"
#include "child-run.h"
#include "file-util.h"
#include "hisi/json-util.h"
#include "libvirt-events.h"
#include "log.h"
#include "manager-libvirt.h"
#include "manager-peer.h"
#include "manager-reservation.h"
#include "manager.h"
#include "parse-util.h"
#include "string-util.h"
#include "strv.h"
#include "time-util.h"

#define BACKOFF_MIN_USEC  (1 * USEC_PER_SEC)
#define BACKOFF_MAX_USEC  (60 * USEC_PER_SEC)
#define WRITER_OUTPUT_MAX 65536

/* One domain's metadata to write: what its last event said. */
typedef struct MetadataJob {
        char *domain;
        char **hostdevs;
        bool active;
} MetadataJob;

struct ManagerLibvirt {
        Manager *manager;
        LibvirtFollower *follower;
        bool following; /* its snapshot is complete */
        char *last_end; /* why the last follower ended, said once */
        sd_event_source *restart_timer;
        sd_event_source *connect_timer; /* until following: timeouts.libvirt_ms */
        uint64_t backoff_usec;

        /* The snapshot of the follower that starts: managed hostdevs, domains running. */
        LibvirtHostdev *snapshot;
        size_t n_snapshot;
        char **snapshot_running;

        /* Domains whose metadata the daemon wrote with VFs in it (it removes it when the last
         * HiSilicon hostdev goes). */
        char **with_metadata;
        MetadataJob *jobs;
        size_t n_jobs;
        ChildRun *writer;
        MetadataJob writing;
};

static void job_done(MetadataJob *j) {
        free(j->domain);
        strv_free(j->hostdevs);
        *j = (MetadataJob){};
}

/* The domain no longer has metadata of ours (or is gone). */
static void forget_metadata(ManagerLibvirt *l, const char *domain) {
        size_t k = 0;

        for (size_t i = 0; l->with_metadata && l->with_metadata[i]; i++) {
                if (streq(l->with_metadata[i], domain))
                        free(l->with_metadata[i]);
                else
                        l->with_metadata[k++] = l->with_metadata[i];
        }
        if (l->with_metadata)
                l->with_metadata[k] = NULL;
}

static void jobs_clear(ManagerLibvirt *l) {
        for (size_t i = 0; i < l->n_jobs; i++)
                job_done(&l->jobs[i]);
        l->jobs = mfree(l->jobs);
        l->n_jobs = 0;
}

static void snapshot_clear(ManagerLibvirt *l) {
        libvirt_hostdevs_free(l->snapshot, l->n_snapshot);
        l->snapshot = NULL;
        l->n_snapshot = 0;
        l->snapshot_running = strv_free(l->snapshot_running);
}

/* ---- The metadata ---- */

/* The PF's PCI revision, which the QM drivers take as the QM version; 0 when unknown. */
static uint32_t qm_version_of(Manager *m, Device *d) {
        _cleanup_free_ char *path = NULL, *line = NULL;
        const char *pf = d->facts.pf_address[0] ? d->facts.pf_address : device_address(d);
        uint32_t v = 0;

        if (hisi_ctx_pathf(m->ctx, &path, "/sys/bus/pci/devices/%s/revision", pf) < 0 ||
            read_one_line_file(path, &line) < 0 || safe_atou32(line, &v) < 0 || v > 0xff)
                return 0;
        return v;
}

/*
 * A VF of a domain described for its metadata. A VF a VMM holds, or may open at any moment (its
 * domain runs), is never opened: sysfs gives its kind, device ID and QM version, and what the
 * domain's metadata already says of it stays (the helper merges). A VF of a domain that does
 * not run is opened briefly, as for a check (manager_describe_vf()). -ENODEV: not one of ours.
 */
static int describe(Manager *m, const char *address, bool active, AccmigVf *ret) {
        Device *d = manager_find_device(m, address);
        hisi_peer_check_device desc = {};
        _cleanup_free_ char *error = NULL;

        if (!d || !device_is_vf(d))
                return -ENODEV;
        *ret = (AccmigVf){};
        snprintf(ret->address, sizeof(ret->address), "%s", device_address(d));
        ret->qm_version = qm_version_of(m, d);
        if (!active && d->control_mode == DEVICE_CONTROL_NONE && !d->migration && !d->migdev &&
            device_is_bound(d) && manager_describe_vf(m, address, &desc, &error) >= 0) {
                ret->desc = desc.desc;
                free(desc.source);
                free(desc.to);
                return 0;
        }
        ret->desc = (hisi_vf_desc){
                .kind = d->facts.kind,
                .device_id = d->facts.device_id,
                .unknown = HISI_COMPAT_UNKNOWN(HISI_COMPAT_QP_NUM) |
                           HISI_COMPAT_UNKNOWN(HISI_COMPAT_QUEUE_ISOLATION) |
                           HISI_COMPAT_UNKNOWN(HISI_COMPAT_STREAM_VERSION) |
                           HISI_COMPAT_UNKNOWN(HISI_COMPAT_MIG_FLAGS) |
                           HISI_COMPAT_UNKNOWN(HISI_COMPAT_STATE_SIZE),
        };
        return 0;
}

/* The element for a job: <vfs>…</vfs>, or "" when the domain has no VF of ours. */
static int element_for(Manager *m, const MetadataJob *j, char **ret, size_t *ret_n) {
        _cleanup_free_ AccmigVf *vfs = NULL;
        size_t n = 0;

        vfs = calloc(strv_length(j->hostdevs) + 1, sizeof(*vfs));
        if (!vfs)
                return -ENOMEM;
        for (char *const *a = j->hostdevs; a && *a; a++) {
                if (n >= ACCMIG_METADATA_VFS_MAX)
                        break;
                if (describe(m, *a, j->active, &vfs[n]) >= 0)
                        n++;
        }
        *ret_n = n;
        if (n == 0) {
                *ret = strdup("");
                return *ret ? 0 : -ENOMEM;
        }
        return accmig_metadata_format(vfs, n, ret);
}

static void writer_next(ManagerLibvirt *l);

typedef struct WriterExec {
        int fd;
        char *argv[6];
} WriterExec;

static int exec_writer(void *userdata) {
        WriterExec *x = userdata;

        return libvirt_helper_exec(x->fd, -1, x->argv);
}

static void on_written(ChildRun *c, const ChildRunResult *result, void *userdata) {
        _cleanup_(hisi_json_ctx_freep) hisi_json_ctx *ctx = NULL;
        ManagerLibvirt *l = userdata;
        _cleanup_(job_done) MetadataJob j = l->writing;
        const char *error = NULL;
        hisi_json_value root;
        bool changed = false;

        l->writing = (MetadataJob){};
        if (result->error == 0 && result->n_output > 0 &&
            hisi_json_ctx_new(result->output, result->n_output, "helper output", &ctx, NULL) >= 0) {
                hisi_json_root(ctx, &root);
                if (hisi_json_get_string(&root, "error", 4096, &error) <= 0)
                        error = NULL;
                if (hisi_json_get_bool(&root, "changed", &changed) < 0)
                        changed = false;
        }
        if (result->error == -ETIMEDOUT)
                log_warning("libvirt did not take the metadata of domain %s in time.", j.domain);
        else if (result->status == 3)
                log_debug("Domain %s is gone; no metadata to write.", j.domain);
        else if (result->status != 0)
                log_warning("Could not write the metadata of domain %s: %s", j.domain,
                            error ?: "the libvirt helper failed");
        else if (changed)
                log_info("Wrote hisi-accmigd's metadata into domain %s.", j.domain);
        l->writer = child_run_free(l->writer);
        writer_next(l);
}

static void writer_next(ManagerLibvirt *l) {
        Manager *m = l->manager;
        _cleanup_free_ char *element = NULL;
        _cleanup_close_ int fd = -EBADF;
        WriterExec x;
        ChildRunOptions o = {
                .func = exec_writer,
                .func_userdata = &x,
                .capture_max = WRITER_OUTPUT_MAX,
                .stderr_to_null = true,
                .timeout_usec = m->config.timeouts.libvirt_usec,
        };
        size_t n = 0;
        int r;

        while (!l->writer && l->n_jobs > 0 && m->state != MANAGER_STOPPING) {
                _cleanup_(job_done) MetadataJob j = l->jobs[0];

                memmove(l->jobs, l->jobs + 1, (l->n_jobs - 1) * sizeof(*l->jobs));
                l->n_jobs--;
                element = mfree(element);
                r = element_for(m, &j, &element, &n);
                if (r < 0) {
                        log_warning_errno(r, "Could not describe the VFs of domain %s: %m",
                                          j.domain);
                        continue;
                }
                if (n == 0 && !strv_contains(l->with_metadata, j.domain))
                        continue; /* none of ours, and no metadata of ours to remove */
                if (n == 0)
                        forget_metadata(l, j.domain);
                else if (!strv_contains(l->with_metadata, j.domain) &&
                         strv_extend(&l->with_metadata, j.domain) < 0) {
                        log_oom();
                        continue;
                }
                fd = safe_close(fd);
                fd = memfd_create("accmig-metadata", MFD_CLOEXEC);
                if (fd < 0 || loop_write(fd, element, strlen(element)) < 0 ||
                    lseek(fd, 0, SEEK_SET) < 0) {
                        log_warning_errno(negative_errno(),
                                          "Could not hand the metadata of domain %s on: %m",
                                          j.domain);
                        continue;
                }
                x = (WriterExec){
                        .fd = fd,
                        .argv = { (char *)"hisi-accmigd-libvirt", (char *)"--uri",
                                  m->config.libvirt.uri, (char *)"--set-metadata", j.domain, NULL },
                };
                r = child_run_start(m->event, &o, on_written, l, &l->writer);
                if (r < 0) {
                        log_warning_errno(r, "Could not run %s: %m", libvirt_scan_helper_path());
                        continue;
                }
                l->writing = j;
                j = (MetadataJob){};
        }
}

/* The domain's metadata is due: queued once (a queued job takes the newer facts). */
static void metadata_due(ManagerLibvirt *l, const LibvirtEvent *e) {
        Manager *m = l->manager;
        MetadataJob *j = NULL, *n;
        bool ours = false;

        for (char *const *a = e->hostdevs; a && *a; a++) {
                Device *d = manager_find_device(m, *a);
                if (d && device_is_vf(d))
                        ours = true;
        }
        if (!ours && !strv_contains(l->with_metadata, e->domain))
                return;
        for (size_t i = 0; i < l->n_jobs; i++)
                if (streq(l->jobs[i].domain, e->domain))
                        j = &l->jobs[i];
        if (!j) {
                n = reallocarray(l->jobs, l->n_jobs + 1, sizeof(*l->jobs));
                if (!n) {
                        log_oom();
                        return;
                }
                l->jobs = n;
                j = &l->jobs[l->n_jobs];
                *j = (MetadataJob){ .domain = strdup(e->domain) };
                if (!j->domain) {
                        log_oom();
                        return;
                }
                l->n_jobs++;
        }
        strv_free(j->hostdevs);
        j->hostdevs = strv_copy(e->hostdevs);
        j->active = e->active;
        writer_next(l);
}

/* ---- The events ---- */

static void schedule_restart(ManagerLibvirt *l);

static void snapshot_add(ManagerLibvirt *l, const LibvirtEvent *e) {
        LibvirtHostdev *n;

        if (e->active && strv_extend(&l->snapshot_running, e->domain) < 0) {
                log_oom();
                return;
        }
        for (char *const *a = e->managed; a && *a; a++) {
                n = reallocarray(l->snapshot, l->n_snapshot + 1, sizeof(*n));
                if (!n) {
                        log_oom();
                        return;
                }
                l->snapshot = n;
                n = &l->snapshot[l->n_snapshot];
                *n = (LibvirtHostdev){ .domain = strdup(e->domain) };
                snprintf(n->address, sizeof(n->address), "%s", *a);
                if (!n->domain) {
                        log_oom();
                        return;
                }
                l->n_snapshot++;
        }
}

static void on_event(LibvirtFollower *f, const LibvirtEvent *e, void *userdata) {
        ManagerLibvirt *l = userdata;
        Manager *m = l->manager;
        unsigned n;

        if (m->state == MANAGER_STOPPING)
                return;
        switch (e->type) {
        case LIBVIRT_EVENT_PRESENT:
                log_debug("libvirt has domain %s (%s).", e->domain,
                          e->active ? "running" : "not running");
                snapshot_add(l, e);
                if (e->active)
                        manager_domain_running(m, e->domain, e->hostdevs);
                metadata_due(l, e);
                return;
        case LIBVIRT_EVENT_FOLLOWING:
                /* The snapshot is the whole truth now: a rescan. */
                log_full_errno(l->last_end ? LOG_NOTICE : LOG_INFO, 0,
                               "Following libvirt's domain events at %s.", libvirt_follower_uri(f));
                l->last_end = mfree(l->last_end);
                l->connect_timer = sd_event_source_disable_unref(l->connect_timer);
                l->following = true;
                l->backoff_usec = 0;
                manager_libvirt_set_hostdevs(m, l->snapshot, l->n_snapshot);
                l->snapshot = NULL;
                l->n_snapshot = 0;
                manager_reservation_expire_unless_running(m, l->snapshot_running);
                l->snapshot_running = strv_free(l->snapshot_running);
                return;
        case LIBVIRT_EVENT_STOPPED:
        case LIBVIRT_EVENT_UNDEFINED:
                log_info("libvirt: domain %s %s.", e->domain,
                         libvirt_event_type_to_string(e->type));
                manager_libvirt_set_domain(m, e->domain, e->managed);
                if (e->active) /* undefined while it runs: transient now, and still running */
                        return;
                n = manager_release_domain(m, e->domain);
                if (n > 0)
                        log_info("Released %u VF%s of domain %s.", n, n == 1 ? "" : "s", e->domain);
                if (e->type == LIBVIRT_EVENT_UNDEFINED || !e->persistent)
                        forget_metadata(l, e->domain);
                return;
        case LIBVIRT_EVENT_DEFINED:
        case LIBVIRT_EVENT_STARTED:
        case LIBVIRT_EVENT_SUSPENDED:
        case LIBVIRT_EVENT_RESUMED:
        case LIBVIRT_EVENT_SHUTDOWN:
        case LIBVIRT_EVENT_PMSUSPENDED:
        case LIBVIRT_EVENT_CRASHED:
        case LIBVIRT_EVENT_DEVICE_ADDED:
        case LIBVIRT_EVENT_DEVICE_REMOVED:
                log_debug("libvirt: domain %s %s (detail %d).", e->domain,
                          libvirt_event_type_to_string(e->type), e->detail);
                manager_libvirt_set_domain(m, e->domain, e->managed);
                if (e->active)
                        manager_domain_running(m, e->domain, e->hostdevs);
                /* What a domain is defined or started with, or has plugged. */
                if (e->type == LIBVIRT_EVENT_DEFINED || e->type == LIBVIRT_EVENT_STARTED ||
                    e->type == LIBVIRT_EVENT_DEVICE_ADDED ||
                    e->type == LIBVIRT_EVENT_DEVICE_REMOVED)
                        metadata_due(l, e);
                return;
        case LIBVIRT_EVENT_ERROR:
        case _LIBVIRT_EVENT_TYPE_MAX:
        case _LIBVIRT_EVENT_TYPE_INVALID:
                return;
        }
}

static void on_end(LibvirtFollower *f, const char *why, void *userdata) {
        ManagerLibvirt *l = userdata;
        Manager *m = l->manager;

        if (!streq_ptr(l->last_end, why))
                log_notice("Not following libvirt's domain events: %s. Trying again.", why);
        free(l->last_end);
        l->last_end = strdup(why);
        l->follower = libvirt_follower_free(l->follower);
        l->connect_timer = sd_event_source_disable_unref(l->connect_timer);
        l->following = false;
        snapshot_clear(l);
        /* Metadata not written yet waits for the next follower's snapshot, which asks again. */
        jobs_clear(l);
        if (m->state != MANAGER_STOPPING)
                schedule_restart(l);
}

/* A libvirt that does not answer the follower's connection and list in time: as if it ended. */
static int on_connect_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        ManagerLibvirt *l = userdata;

        l->connect_timer = sd_event_source_disable_unref(l->connect_timer);
        if (l->follower)
                on_end(l->follower, "libvirt did not answer in time (timeouts.libvirt_ms)", l);
        return 0;
}

static void follower_start(ManagerLibvirt *l) {
        Manager *m = l->manager;
        int r;

        assert(!l->follower);
        r = libvirt_follower_start(m->event, m->config.libvirt.uri, on_event, on_end, l,
                                   &l->follower);
        if (r >= 0)
                r = sd_event_add_time_relative(m->event, &l->connect_timer, CLOCK_MONOTONIC,
                                               m->config.timeouts.libvirt_usec, 0,
                                               on_connect_timeout, l);
        if (r < 0) {
                l->follower = libvirt_follower_free(l->follower);
                log_warning_errno(r, "Could not run %s --follow: %m", libvirt_scan_helper_path());
                schedule_restart(l);
        }
}

static int on_restart(sd_event_source *s, uint64_t usec, void *userdata) {
        ManagerLibvirt *l = userdata;

        l->restart_timer = sd_event_source_disable_unref(l->restart_timer);
        if (!l->follower && l->manager->config.libvirt.enabled &&
            l->manager->state != MANAGER_STOPPING)
                follower_start(l);
        return 0;
}

/* The next try: 1 s after the first end, doubling up to a minute; a follower that got as far
 * as following starts the count again. */
static void schedule_restart(ManagerLibvirt *l) {
        int r;

        if (l->restart_timer)
                return;
        l->backoff_usec = l->backoff_usec == 0 ? BACKOFF_MIN_USEC
                                               : MIN(l->backoff_usec * 2, BACKOFF_MAX_USEC);
        r = sd_event_add_time_relative(l->manager->event, &l->restart_timer, CLOCK_MONOTONIC,
                                       l->backoff_usec, 0, on_restart, l);
        if (r < 0)
                log_warning_errno(r, "Could not schedule following libvirt again: %m");
}

/* ---- The Manager's calls ---- */

void manager_libvirt_follow(Manager *m) {
        ManagerLibvirt *l = m->libvirt;

        if (!m->config.libvirt.enabled || m->state == MANAGER_STOPPING)
                return;
        if (!l) {
                l = calloc(1, sizeof(*l));
                if (!l) {
                        log_oom();
                        return;
                }
                l->manager = m;
                m->libvirt = l;
        }
        /* Another URI: another follower, at once. */
        if (l->follower && !streq(libvirt_follower_uri(l->follower), m->config.libvirt.uri)) {
                l->follower = libvirt_follower_free(l->follower);
                l->connect_timer = sd_event_source_disable_unref(l->connect_timer);
                l->following = false;
                snapshot_clear(l);
                l->restart_timer = sd_event_source_disable_unref(l->restart_timer);
                l->backoff_usec = 0;
        }
        if (!l->follower && !l->restart_timer)
                follower_start(l);
}

bool manager_libvirt_following(Manager *m) {
        return m->libvirt && m->libvirt->following;
}

void manager_libvirt_stop(Manager *m) {
        ManagerLibvirt *l = m->libvirt;

        if (!l)
                return;
        libvirt_follower_free(l->follower);
        sd_event_source_disable_unref(l->restart_timer);
        sd_event_source_disable_unref(l->connect_timer);
        child_run_free(l->writer);
        job_done(&l->writing);
        jobs_clear(l);
        snapshot_clear(l);
        strv_free(l->with_metadata);
        free(l->last_end);
        free(l);
        m->libvirt = NULL;
}
