/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The backend-neutral migration device (see migdev.h): flags, state, data size and the planned
 * set_state, built once on each backend's raw feature call; the data stream object.
 */

#include <assert.h>
#include <string.h>

#include "macro.h"
#include "migdev-backend.h"
#include "string-table.h"

struct hisi_migdev {
        const hisi_migdev_backend *backend;
        char *name;
        int fd;
        void *aux;
        const char *path_kind;
        /* The migration flags, once read: a driver sets them at probe and they do not change
         * while the device is open. Only set_state's planner uses the copy; get_flags asks. */
        uint64_t flags;
        bool have_flags;
};

struct hisi_migstream {
        const hisi_migstream_ops *ops;
        int fd;
};

static const char *const hisi_backend_table[_HISI_BACKEND_MAX] = {
        [HISI_BACKEND_KERNEL] = "kernel",
        [HISI_BACKEND_SIM] = "sim",
};

DEFINE_STRING_TABLE_LOOKUP_CASE(hisi_backend, hisi_backend);

static const hisi_migdev_backend *backend_get(hisi_backend b) {
        switch (b) {
        case HISI_BACKEND_KERNEL:
                return &hisi_migdev_backend_kernel;
        case HISI_BACKEND_SIM:
                return &hisi_migdev_backend_sim;
        case _HISI_BACKEND_MAX:
        case _HISI_BACKEND_INVALID:
                break;
        }
        return NULL;
}

static int migdev_new(const hisi_migdev_backend *backend, const char *name, hisi_migdev **ret) {
        hisi_migdev *d;

        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        d->name = strdup(name);
        if (!d->name) {
                free(d);
                return -ENOMEM;
        }
        d->backend = backend;
        d->fd = -EBADF;
        *ret = d;
        return 0;
}

int hisi_migdev_open(hisi_ctx *ctx, hisi_backend backend, const char *name, hisi_migdev **ret) {
        _cleanup_(hisi_migdev_closep) hisi_migdev *d = NULL;
        const hisi_migdev_backend *b;
        int r;

        if (!ctx || !name || !ret)
                return -EINVAL;
        if (backend < 0 || backend >= _HISI_BACKEND_MAX)
                return -EINVAL;
        b = backend_get(backend);
        if (!b)
                return -EOPNOTSUPP;

        r = migdev_new(b, name, &d);
        if (r < 0)
                return r;
        r = b->open(ctx, name, &d->fd, &d->aux, &d->path_kind);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(d);
        return 0;
}

int hisi_migdev_open_fd(hisi_ctx *ctx, hisi_backend backend, const char *name, int fd,
                        hisi_migdev **ret) {
        const hisi_migdev_backend *b;
        hisi_migdev *d;
        int r;

        if (!ctx || !name || fd < 0 || !ret || backend < 0 || backend >= _HISI_BACKEND_MAX) {
                safe_close(fd);
                return -EINVAL;
        }
        b = backend_get(backend);
        if (!b) {
                safe_close(fd);
                return -EOPNOTSUPP;
        }
        r = migdev_new(b, name, &d);
        if (r < 0) {
                safe_close(fd);
                return r;
        }
        d->fd = fd;
        d->path_kind = "adopted";
        *ret = d;
        return 0;
}

hisi_migdev *hisi_migdev_close(hisi_migdev *d) {
        if (!d)
                return NULL;
        /* The device fd first: the kernel releases the device before the group and iommufd
         * that the backend keeps beside it. */
        safe_close(d->fd);
        if (d->aux && d->backend->free_aux)
                d->backend->free_aux(d->aux);
        free(d->name);
        free(d);
        return NULL;
}

const char *hisi_migdev_name(const hisi_migdev *d) {
        return d ? d->name : NULL;
}

hisi_backend hisi_migdev_get_backend(const hisi_migdev *d) {
        return d ? d->backend->id : _HISI_BACKEND_INVALID;
}

int hisi_migdev_fd(const hisi_migdev *d) {
        return d ? d->fd : -EBADF;
}

const char *hisi_migdev_path_kind(const hisi_migdev *d) {
        return d ? d->path_kind : NULL;
}

int hisi_migdev_feature(hisi_migdev *d, void *buf, size_t buf_size) {
        hisi_vfio_feature_hdr hdr;

        if (!d || !buf || buf_size < sizeof(hdr))
                return -EINVAL;
        memcpy(&hdr, buf, sizeof(hdr));
        if (hdr.argsz > buf_size)
                return -EINVAL;
        return d->backend->feature(d->fd, d->aux, buf);
}

/* A feature call with a typed payload. */
static int feature_call(hisi_migdev *d, uint32_t flags, void *payload, size_t size) {
        struct {
                hisi_vfio_feature_hdr hdr;
                uint64_t payload[2];
        } buf = {};
        int r;

        assert(size <= sizeof(buf.payload));
        buf.hdr.argsz = (uint32_t)(sizeof(buf.hdr) + size);
        buf.hdr.flags = flags;
        memcpy(buf.payload, payload, size);
        r = d->backend->feature(d->fd, d->aux, &buf);
        /* The kernel copies the payload back even on error (MIG_DEVICE_STATE's data_fd = -1). */
        memcpy(payload, buf.payload, size);
        return r;
}

int hisi_migdev_get_flags(hisi_migdev *d, uint64_t *ret_flags) {
        hisi_vfio_feature_migration mig = {};
        int r;

        if (!d || !ret_flags)
                return -EINVAL;
        r = feature_call(d, HISI_VFIO_DEVICE_FEATURE_GET | HISI_VFIO_DEVICE_FEATURE_MIGRATION, &mig,
                         sizeof(mig));
        if (r < 0)
                return r;
        *ret_flags = mig.flags;
        return 0;
}

int hisi_migdev_get_state(hisi_migdev *d, hisi_mig_state *ret) {
        hisi_vfio_feature_mig_state st = { .data_fd = -1 };
        int r;

        if (!d || !ret)
                return -EINVAL;
        r = feature_call(d,
                         HISI_VFIO_DEVICE_FEATURE_GET | HISI_VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
                         &st, sizeof(st));
        if (r < 0)
                return r;
        if (st.device_state >= _HISI_MIG_STATE_MAX)
                return -EPROTO;
        *ret = (hisi_mig_state)st.device_state;
        return 0;
}

/* After a failed SET, the walked path ends at the state the device reports now (the driver
 * stops at the last arc that worked, or the device went to ERROR). */
static void path_trim_to(hisi_mig_path *path, hisi_mig_state now) {
        for (size_t i = 0; i < path->n; i++)
                if (path->states[i] == now) {
                        path->n = i + 1;
                        return;
                }
        /* Not on the planned path (ERROR, or moved by someone else): report start and now. */
        path->states[1] = now;
        path->n = path->states[0] == now ? 1 : 2;
}

int hisi_migdev_set_state(hisi_migdev *d, hisi_mig_state new, hisi_mig_path *ret_path,
                          hisi_migstream **ret_stream) {
        hisi_vfio_feature_mig_state st = { .device_state = (uint32_t) new, .data_fd = -1 };
        hisi_mig_state cur;
        hisi_mig_path path;
        uint64_t flags;
        int r;

        if (!d || new < 0 || new >= _HISI_MIG_STATE_MAX)
                return -EINVAL;

        if (!d->have_flags) {
                r = hisi_migdev_get_flags(d, &d->flags);
                if (r < 0)
                        return r;
                d->have_flags = true;
        }
        flags = d->flags;
        r = hisi_migdev_get_state(d, &cur);
        if (r < 0)
                return r;
        /* Never send what the table blocks: STOP_COPY -> PRE_COPY hangs kernels from 6.2 that lack
         * the fix (in 6.12.96 and later stable releases). */
        r = hisi_mig_plan(flags, cur, new, &path);
        if (r < 0)
                return r;

        r = feature_call(d,
                         HISI_VFIO_DEVICE_FEATURE_SET | HISI_VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
                         &st, sizeof(st));
        if (r < 0) {
                hisi_mig_state now;
                if (st.data_fd >= 0) /* a kernel returns -1 on error; be safe anyway */
                        safe_close(st.data_fd);
                if (ret_path) {
                        if (hisi_migdev_get_state(d, &now) >= 0)
                                path_trim_to(&path, now);
                        else
                                path.n = 1;
                        *ret_path = path;
                }
                return r;
        }

        if (st.data_fd >= 0) {
                hisi_migstream *s = NULL;
                r = hisi_migstream_open_fd(d->backend->id, st.data_fd, &s);
                if (r < 0)
                        return r;
                if (ret_stream)
                        *ret_stream = s;
                else
                        hisi_migstream_close(s);
        } else if (ret_stream)
                *ret_stream = NULL;
        if (ret_path)
                *ret_path = path;
        return 0;
}

int hisi_migdev_data_size(hisi_migdev *d, uint64_t *ret) {
        hisi_vfio_feature_mig_data_size sz = {};
        int r;

        if (!d || !ret)
                return -EINVAL;
        r = feature_call(d, HISI_VFIO_DEVICE_FEATURE_GET | HISI_VFIO_DEVICE_FEATURE_MIG_DATA_SIZE,
                         &sz, sizeof(sz));
        if (r < 0)
                return r;
        *ret = sz.stop_copy_length;
        return 0;
}

int hisi_migdev_reset(hisi_migdev *d) {
        if (!d)
                return -EINVAL;
        return d->backend->reset(d->fd, d->aux);
}

/* vfio-pci gives each region a window of 2^40 bytes on the device fd: an offset past it would
 * reach the next region. */
#define REGION_OFFSET_MAX ((UINT64_C(1) << HISI_VFIO_PCI_OFFSET_SHIFT) - 1)

int hisi_migdev_region_info(hisi_migdev *d, uint32_t index, hisi_region_info *ret) {
        hisi_region_info info = {};
        int r;

        if (!d || !ret)
                return -EINVAL;
        r = d->backend->region_info(d->fd, d->aux, index, &info);
        if (r < 0)
                return r;
        *ret = info;
        return 0;
}

static ssize_t region_rw(hisi_migdev *d, uint32_t index, uint64_t offset, void *buf, size_t len,
                         bool write) {
        if (!d || (!buf && len > 0) || offset > REGION_OFFSET_MAX)
                return -EINVAL;
        return d->backend->region_rw(d->fd, d->aux, index, offset, buf, len, write);
}

ssize_t hisi_migdev_region_read(hisi_migdev *d, uint32_t index, uint64_t offset, void *buf,
                                size_t len) {
        return region_rw(d, index, offset, buf, len, false);
}

ssize_t hisi_migdev_region_write(hisi_migdev *d, uint32_t index, uint64_t offset, const void *buf,
                                 size_t len) {
        /* The backends take one buffer for both directions; a write does not change it. */
        return region_rw(d, index, offset, (void *)buf, len, true);
}

int hisi_migstream_open_fd(hisi_backend backend, int fd, hisi_migstream **ret) {
        const hisi_migdev_backend *b;
        hisi_migstream *s;

        b = backend >= 0 && backend < _HISI_BACKEND_MAX ? backend_get(backend) : NULL;
        if (fd < 0 || !ret || !b) {
                safe_close(fd);
                return b || backend < 0 || backend >= _HISI_BACKEND_MAX ? -EINVAL : -EOPNOTSUPP;
        }
        s = calloc(1, sizeof(*s));
        if (!s) {
                safe_close(fd);
                return -ENOMEM;
        }
        s->ops = b->stream;
        s->fd = fd;
        *ret = s;
        return 0;
}

hisi_migstream *hisi_migstream_close(hisi_migstream *s) {
        if (!s)
                return NULL;
        safe_close(s->fd);
        free(s);
        return NULL;
}

int hisi_migstream_fd(const hisi_migstream *s) {
        return s ? s->fd : -EBADF;
}

ssize_t hisi_migstream_read(hisi_migstream *s, void *buf, size_t n) {
        if (!s || (!buf && n > 0))
                return -EINVAL;
        return s->ops->read(s->fd, buf, n);
}

ssize_t hisi_migstream_write(hisi_migstream *s, const void *buf, size_t n) {
        if (!s || (!buf && n > 0))
                return -EINVAL;
        return s->ops->write(s->fd, buf, n);
}

ssize_t hisi_migstream_pread(hisi_migstream *s, void *buf, size_t n, off_t offset) {
        if (!s || (!buf && n > 0))
                return -EINVAL;
        return s->ops->pread(s->fd, buf, n, offset);
}

ssize_t hisi_migstream_pwrite(hisi_migstream *s, const void *buf, size_t n, off_t offset) {
        if (!s || (!buf && n > 0))
                return -EINVAL;
        return s->ops->pwrite(s->fd, buf, n, offset);
}

int hisi_migstream_precopy_ioctl(hisi_migstream *s, struct hisi_vfio_precopy_info *info) {
        if (!s || !info)
                return -EINVAL;
        return s->ops->precopy_info(s->fd, info);
}

int hisi_migstream_precopy_info(hisi_migstream *s, uint64_t *ret_initial, uint64_t *ret_dirty,
                                uint32_t *ret_flags) {
        hisi_vfio_precopy_info info = { .argsz = sizeof(info) };
        int r;

        if (!s)
                return -EINVAL;
        r = s->ops->precopy_info(s->fd, &info);
        if (r < 0)
                return r;
        if (ret_initial)
                *ret_initial = info.initial_bytes;
        if (ret_dirty)
                *ret_dirty = info.dirty_bytes;
        if (ret_flags)
                *ret_flags = info.flags;
        return 0;
}
