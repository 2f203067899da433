/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Method calls answered later, keyed by what they wait on (see bus-waiters.h). */

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus-waiters.h"

typedef struct BusWaiter {
        const void *key;
        sd_bus_message *message;
} BusWaiter;

struct BusWaiters {
        BusWaiter *waiters;
        size_t n;
};

int bus_waiters_new(BusWaiters **ret) {
        BusWaiters *w;

        assert(ret);
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        *ret = w;
        return 0;
}

BusWaiters *bus_waiters_free(BusWaiters *w) {
        if (!w)
                return NULL;
        for (size_t i = 0; i < w->n; i++)
                sd_bus_message_unref(w->waiters[i].message);
        free(w->waiters);
        free(w);
        return NULL;
}

int bus_waiters_add(BusWaiters *w, const void *key, sd_bus_message *message) {
        BusWaiter *n;

        assert(w);
        assert(key);
        assert(message);
        n = reallocarray(w->waiters, w->n + 1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        w->waiters = n;
        w->waiters[w->n++] = (BusWaiter){ .key = key, .message = sd_bus_message_ref(message) };
        return 0;
}

static void remove_at(BusWaiters *w, size_t i) {
        assert(i < w->n);
        sd_bus_message_unref(w->waiters[i].message);
        memmove(w->waiters + i, w->waiters + i + 1, (w->n - i - 1) * sizeof(*w->waiters));
        w->n--;
}

void bus_waiters_remove(BusWaiters *w, const void *key, sd_bus_message *message) {
        assert(w);
        /* The last one: a call added just now is the one a failed request takes back. */
        for (size_t i = w->n; i > 0; i--)
                if (w->waiters[i - 1].key == key && w->waiters[i - 1].message == message) {
                        remove_at(w, i - 1);
                        return;
                }
}

int bus_waiters_reply(BusWaiters *w, const void *key, const char *error_name, const char *text) {
        int answered = 0, first_error = 0;

        assert(w);
        assert(text);
        for (size_t i = 0; i < w->n;) {
                sd_bus_message *m = w->waiters[i].message;
                int r;

                if (w->waiters[i].key != key) {
                        i++;
                        continue;
                }
                if (error_name)
                        r = sd_bus_reply_method_errorf(m, error_name, "%s", text);
                else
                        r = sd_bus_reply_method_return(m, "s", text);
                if (r < 0 && first_error == 0)
                        first_error = r;
                answered++;
                remove_at(w, i);
        }
        return first_error < 0 ? first_error : answered;
}
