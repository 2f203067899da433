/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the peer message codecs share (peer-message-util.c), private to libhisi: json-c
 * building with NULL-safe adds, the bounded sentence cut, decoding a message through a field
 * table with the answer every decoder gives (-EBADMSG and a sentence), and arrays of objects.
 * Also the check's device fields, which the migrate message reuses.
 */
#pragma once

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "hisi/json-dispatch.h"
#include "hisi/peer-message.h"

/* o's text as a new string. */
int peer_json_text(json_object *o, char **ret);
/* Add v (taken, NULL: out of memory) under key: 0 or -ENOMEM. */
int peer_json_add(json_object *o, const char *key, json_object *v);
/* s, or JSON null for NULL. */
int peer_json_add_string(json_object *o, const char *key, const char *s);
int peer_json_add_uint(json_object *o, const char *key, uint64_t v);
/* A JSON array of the strings of l (NULL: empty), or NULL when out of memory. */
json_object *peer_json_strv(char *const *l);
/* The length of s cut to HISI_PEER_TEXT_MAX bytes without splitting a UTF-8 sequence. */
size_t peer_text_cut(const char *s);

/* Decode json through fields (unknown members skipped): 0, -ENOMEM, or -EBADMSG and a
 * sentence in *ret_error naming what (the message type) and where. */
int peer_json_decode(const char *json, size_t len, const char *what, const hisi_json_field *fields,
                     void *base, char **ret_error);

/* An array of 1..HISI_WIRE_DEVICES_MAX objects, each through fields into an element of size
 * bytes of a new array (*ret, *ret_n); done frees what an element holds. */
int peer_json_dispatch_array(const hisi_json_value *v, const hisi_json_field *fields, size_t size,
                             void **ret, size_t *ret_n, void (*done)(void *));

/* The devices of a check (a CUSTOM field whose offset is a hisi_peer_check in the struct), and
 * the verdicts of a check-reply (offset: a hisi_peer_check_reply); encoders of the same. */
int peer_dispatch_check_devices(const hisi_json_value *v, const hisi_json_field *f, void *base);
int peer_dispatch_check_results(const hisi_json_value *v, const hisi_json_field *f, void *base);
json_object *peer_check_devices_to_json(const hisi_peer_check *c);
json_object *peer_check_results_to_json(const hisi_peer_check_reply *c);
