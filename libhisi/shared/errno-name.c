/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The errno names that libhisi and the kernel's VFIO code return (see errno-name.h). */

#include <errno.h>
#include <stddef.h>

#include "errno-name.h"
#include "macro.h"

static const struct {
        int error;
        const char *name;
} errno_names[] = {
        { EPERM, "EPERM" },
        { ENOENT, "ENOENT" },
        { ESRCH, "ESRCH" },
        { EINTR, "EINTR" },
        { EIO, "EIO" },
        { ENXIO, "ENXIO" },
        { E2BIG, "E2BIG" },
        { EBADF, "EBADF" },
        { EAGAIN, "EAGAIN" },
        { ENOMEM, "ENOMEM" },
        { EACCES, "EACCES" },
        { EFAULT, "EFAULT" },
        { EBUSY, "EBUSY" },
        { EEXIST, "EEXIST" },
        { ENODEV, "ENODEV" },
        { ENOTDIR, "ENOTDIR" },
        { EISDIR, "EISDIR" },
        { EINVAL, "EINVAL" },
        { ENOTTY, "ENOTTY" },
        { EFBIG, "EFBIG" },
        { ENOSPC, "ENOSPC" },
        { ESPIPE, "ESPIPE" },
        { EROFS, "EROFS" },
        { EPIPE, "EPIPE" },
        { ERANGE, "ERANGE" },
        { ENAMETOOLONG, "ENAMETOOLONG" },
        { ENOSYS, "ENOSYS" },
        { ENOMSG, "ENOMSG" },
        { ENODATA, "ENODATA" },
        { ETIME, "ETIME" },
        { EPROTO, "EPROTO" },
        { EBADMSG, "EBADMSG" },
        { EOVERFLOW, "EOVERFLOW" },
        { EMSGSIZE, "EMSGSIZE" },
        { EPROTONOSUPPORT, "EPROTONOSUPPORT" },
        { EOPNOTSUPP, "EOPNOTSUPP" },
        { EADDRINUSE, "EADDRINUSE" },
        { ENETDOWN, "ENETDOWN" },
        { ECONNABORTED, "ECONNABORTED" },
        { ECONNRESET, "ECONNRESET" },
        { ENOTCONN, "ENOTCONN" },
        { ETIMEDOUT, "ETIMEDOUT" },
        { ECONNREFUSED, "ECONNREFUSED" },
        { EHOSTUNREACH, "EHOSTUNREACH" },
        { EALREADY, "EALREADY" },
        { EINPROGRESS, "EINPROGRESS" },
        { ESTALE, "ESTALE" },
        { ECANCELED, "ECANCELED" },
        { EKEYREJECTED, "EKEYREJECTED" },
        { ENOMEDIUM, "ENOMEDIUM" },
        { ENOTRECOVERABLE, "ENOTRECOVERABLE" },
        { ENOLINK, "ENOLINK" },
        { ENOTSUP, "ENOTSUP" },
        { EDOM, "EDOM" },
        { ENOTEMPTY, "ENOTEMPTY" },
        { ENOTSOCK, "ENOTSOCK" },
        { EXDEV, "EXDEV" },
};

const char *errno_to_name(int error) {
        if (error < 0)
                error = -error;
        for (size_t i = 0; i < ELEMENTSOF(errno_names); i++)
                if (errno_names[i].error == error)
                        return errno_names[i].name;
        return NULL;
}
