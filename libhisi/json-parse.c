/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The JSON grammar: one recursive-descent pass over a text that builds the json-c tree, records
 * where each value stands (hisi_json_node), and refuses with a line and column what RFC 8259
 * does not allow, although json-c would take it: duplicate keys, single quotes, NaN and
 * Infinity, comments, leading zeros, raw control characters, invalid UTF-8, unpaired
 * surrogates, and \u0000, which a C string cannot carry. Integers are read exactly: one beyond
 * 64 bits becomes a double that keeps its text, so that an integer getter refuses it rather
 * than see a clamped value. Recursion is bounded by HISI_JSON_DEPTH_MAX. No I/O.
 */

#include <assert.h>
#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "file-util.h"
#include "json-cleanup.h"
#include "json-internal.h"

#define NO_NODE UINT32_MAX

typedef struct parser {
        const char *text;
        size_t len, pos;
        unsigned line;     /* of pos: no token spans lines, so every error is on this one */
        size_t line_start; /* the offset where that line starts */

        hisi_json_buffer buf; /* the last string decoded */

        bool with_nodes;
        hisi_json_node *nodes;
        size_t n_nodes, nodes_size;
        uint32_t *children;
        size_t n_children, children_size;
        /* The children of the containers being parsed, by their depth, until each closes. */
        struct {
                uint32_t *items;
                size_t n, size;
        } pending[HISI_JSON_DEPTH_MAX];

        hisi_json_step path[HISI_JSON_DEPTH_MAX]; /* where the current value is, for messages */
        locale_t c_locale;                        /* for strtod_l(), made on the first double */

        const char *origin; /* NULL: no message */
        char *message;
} parser;

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static char peek(const parser *p) {
        return p->pos < p->len ? p->text[p->pos] : '\0';
}

static void skip_space(parser *p) {
        for (; p->pos < p->len; p->pos++) {
                char c = p->text[p->pos];
                if (c == '\n') {
                        p->line++;
                        p->line_start = p->pos + 1;
                } else if (c != ' ' && c != '\t' && c != '\r') {
                        return;
                }
        }
}

static unsigned column_of(const parser *p, size_t offset) {
        assert(offset >= p->line_start);
        return (unsigned)(offset - p->line_start + 1);
}

/* ---- Failures ----------------------------------------------------------------------------- */

static int fail_oom(parser *p) {
        p->message = mfree(p->message);
        return -ENOMEM;
}

/* "<origin>:<line>:<column>: <reason>" about offset, on the current line. */
static int fail(parser *p, size_t offset, const char *reason) {
        if (p->origin && asprintf_safe(&p->message, "%s:%u:%u: %s", p->origin, p->line,
                                       column_of(p, offset), reason) < 0)
                return fail_oom(p);
        return -EINVAL;
}

/* "syntax error: <what>" at p->pos, or the end of the text when that is what stopped it. */
static int fail_syntax(parser *p, const char *what) {
        char reason[96];

        snprintf(reason, sizeof(reason), "syntax error: %s",
                 p->pos < p->len ? what : "unexpected end of data");
        return fail(p, p->pos, reason);
}

/* "<origin>:<line>: <path>: duplicate key", the key being the string just decoded. */
static int fail_duplicate(parser *p, size_t depth) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;

        if (!p->origin)
                return -EINVAL;
        f = open_memstream(&buf, &size);
        if (!f)
                return fail_oom(p);
        fprintf(f, "%s:%u: ", p->origin, p->line);
        p->path[depth] = (hisi_json_step){ .key = p->buf.data, .key_len = p->buf.len };
        hisi_json_write_path(f, p->path, depth + 1);
        fputs(": duplicate key", f);
        if (memstream_finish(f, &buf) < 0)
                return fail_oom(p);
        p->message = TAKE_PTR(buf);
        return -EINVAL;
}

/* ---- Nodes ------------------------------------------------------------------------------- */

/* A node for the value at p->pos, a child of parent (NO_NODE for the root), the container at
 * depth; offset, line and column are its member's key, or the value. */
static int node_add(parser *p, uint32_t parent, size_t depth, size_t offset, unsigned line,
                    unsigned column, uint32_t *ret) {
        uint32_t i;

        *ret = NO_NODE;
        if (!p->with_nodes)
                return 0;
        if (p->n_nodes == p->nodes_size) {
                size_t size = MAX(p->nodes_size * 2, (size_t)16);
                hisi_json_node *n = reallocarray(p->nodes, size, sizeof(*n));
                if (!n)
                        return fail_oom(p);
                p->nodes = n;
                p->nodes_size = size;
        }
        i = (uint32_t)p->n_nodes++;
        p->nodes[i] = (hisi_json_node){ .offset = (uint32_t)offset,
                                        .line = line,
                                        .column = column,
                                        .value_offset = (uint32_t)p->pos };
        if (parent != NO_NODE) {
                typeof(p->pending[0]) *l = &p->pending[depth];
                if (l->n == l->size) {
                        size_t size = MAX(l->size * 2, (size_t)8);
                        uint32_t *items = reallocarray(l->items, size, sizeof(*items));
                        if (!items)
                                return fail_oom(p);
                        l->items = items;
                        l->size = size;
                }
                l->items[l->n++] = i;
        }
        *ret = i;
        return 0;
}

/* The container at depth closes: the children pending there become its own. */
static int node_close(parser *p, uint32_t node, size_t depth) {
        typeof(p->pending[0]) *l = &p->pending[depth];

        if (node == NO_NODE)
                return 0;
        if (l->n == 0)
                return 0;
        if (p->n_children + l->n > p->children_size) {
                size_t size = MAX(p->children_size * 2, p->n_children + l->n);
                uint32_t *c = reallocarray(p->children, size, sizeof(*c));
                if (!c)
                        return fail_oom(p);
                p->children = c;
                p->children_size = size;
        }
        p->nodes[node].children = (uint32_t)p->n_children;
        p->nodes[node].n_children = (uint32_t)l->n;
        memcpy(p->children + p->n_children, l->items, l->n * sizeof(*l->items));
        p->n_children += l->n;
        l->n = 0;
        return 0;
}

/* ---- Strings ----------------------------------------------------------------------------- */

/* At a quote: decode a string into p->buf. */
static int parse_string(parser *p) {
        const char *reason;
        size_t offset;
        int r;

        r = hisi_json_string_decode(p->text, p->len, &p->pos, &p->buf, &offset, &reason);
        if (r == -ENOMEM)
                return fail_oom(p);
        if (r < 0)
                return fail(p, offset, reason);
        return 0;
}

/* ---- Numbers and literals ---------------------------------------------------------------- */

/* The integer text[start..end) (digits after an optional '-') as an exact json-c integer, or
 * NULL in *ret when it is beyond 64 bits. */
static int make_integer(parser *p, size_t start, size_t end, json_object **ret) {
        bool negative = p->text[start] == '-';
        uint64_t u = 0;

        *ret = NULL;
        for (size_t i = start + negative; i < end; i++) {
                unsigned d = (unsigned)(p->text[i] - '0');
                if (u > (UINT64_MAX - d) / 10)
                        return 0;
                u = u * 10 + d;
        }
        if (negative && u > (uint64_t)INT64_MAX + 1)
                return 0;
        if (negative)
                *ret = json_object_new_int64(u == (uint64_t)INT64_MAX + 1 ? INT64_MIN
                                                                          : -(int64_t)u);
        else if (u <= INT64_MAX)
                *ret = json_object_new_int64((int64_t)u);
        else
                *ret = json_object_new_uint64(u);
        return *ret ? 0 : fail_oom(p);
}

/* A double that keeps its text, so that messages and serialisation show it as written. */
static int make_double(parser *p, size_t start, size_t end, json_object **ret) {
        double d;

        if (p->c_locale == (locale_t)0) {
                p->c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
                if (p->c_locale == (locale_t)0)
                        return fail_oom(p);
        }
        p->buf.len = 0;
        if (hisi_json_buffer_append(&p->buf, p->text + start, end - start) < 0)
                return fail_oom(p);
        d = strtod_l(p->buf.data, NULL, p->c_locale);
        *ret = json_object_new_double_s(d, p->buf.data);
        return *ret ? 0 : fail_oom(p);
}

static int parse_number(parser *p, json_object **ret) {
        size_t start = p->pos;
        bool integer = true;
        int r;

        if (peek(p) == '-')
                p->pos++;
        if (peek(p) == '0')
                p->pos++;
        else if (peek(p) >= '1' && peek(p) <= '9')
                while (is_digit(peek(p)))
                        p->pos++;
        else
                return fail(p, start, "syntax error: invalid number");
        if (is_digit(peek(p)))
                return fail(p, start, "syntax error: number with a leading zero");
        if (peek(p) == '.') {
                integer = false;
                p->pos++;
                if (!is_digit(peek(p)))
                        return fail(p, start, "syntax error: invalid number");
                while (is_digit(peek(p)))
                        p->pos++;
        }
        if (peek(p) == 'e' || peek(p) == 'E') {
                integer = false;
                p->pos++;
                if (peek(p) == '+' || peek(p) == '-')
                        p->pos++;
                if (!is_digit(peek(p)))
                        return fail(p, start, "syntax error: invalid number");
                while (is_digit(peek(p)))
                        p->pos++;
        }
        if (integer) {
                r = make_integer(p, start, p->pos, ret);
                if (r < 0 || *ret)
                        return r;
        }
        return make_double(p, start, p->pos, ret);
}

/* true, false or null, exactly; reason names what a word that starts alike should have been. */
static int parse_literal(parser *p, const char *word, const char *reason) {
        size_t n = strlen(word);

        if (p->len - p->pos < n || memcmp(p->text + p->pos, word, n) != 0)
                return fail(p, p->pos, reason);
        p->pos += n;
        return 0;
}

/* ---- Values ------------------------------------------------------------------------------ */

static int parse_value(parser *p, size_t depth, uint32_t node, json_object **ret);

static int too_deep(parser *p, size_t depth) {
        char reason[64];

        if (depth < HISI_JSON_DEPTH_MAX)
                return 0;
        snprintf(reason, sizeof(reason), "nesting deeper than %u levels", HISI_JSON_DEPTH_MAX);
        return fail(p, p->pos, reason);
}

/* The '{' or '[' at p->pos: a new container of json-c in *ret, and past the opening; 1 when a
 * member or an element follows, 0 when the container closes at once (past its close). */
static int open_container(parser *p, size_t depth, json_object *(*new_container)(void), char close,
                          json_object **ret) {
        int r;

        r = too_deep(p, depth);
        if (r < 0)
                return r;
        *ret = new_container();
        if (!*ret)
                return fail_oom(p);
        p->pos++;
        skip_space(p);
        if (peek(p) != close)
                return 1;
        p->pos++;
        return 0;
}

/* After a member or an element: 1 when a ',' follows (past it: another one comes), 0 when the
 * container closes with close (past it, its node closed), or the error (separator_error when
 * neither follows). */
static int next_or_close(parser *p, char close, const char *separator_error, size_t depth,
                         uint32_t node) {
        int r;

        skip_space(p);
        if (peek(p) == ',') {
                p->pos++;
                skip_space(p);
                return 1;
        }
        if (peek(p) != close)
                return fail_syntax(p, separator_error);
        p->pos++;
        r = node_close(p, node, depth);
        if (r < 0)
                return r;
        return 0;
}

static int parse_object(parser *p, size_t depth, uint32_t node, json_object **ret) {
        _cleanup_json_ json_object *obj = NULL;
        int r;

        r = open_container(p, depth, json_object_new_object, '}', &obj);
        while (r > 0) {
                size_t key_offset = p->pos;
                unsigned key_line = p->line, key_column = column_of(p, p->pos);
                json_object *value = NULL;
                struct lh_entry *e;
                const char *key;
                uint32_t child;

                /* A '}' here follows a ',', as a ']' after a ',' in an array. */
                if (peek(p) != '"')
                        return fail_syntax(p, peek(p) == '}' ? "unexpected character"
                                                             : "object key expected");
                r = parse_string(p);
                if (r < 0)
                        return r;
                if (json_object_object_get_ex(obj, p->buf.data, NULL))
                        return fail_duplicate(p, depth);
                /* The member goes in first, so that its name has a home while its value is
                 * parsed: json-c's copy, which the node keeps too. */
                if (json_object_object_add_ex(obj, p->buf.data, NULL,
                                              JSON_C_OBJECT_ADD_KEY_IS_NEW) < 0)
                        return fail_oom(p);
                e = lh_table_lookup_entry(json_object_get_object(obj), p->buf.data);
                assert(e);
                key = lh_entry_k(e);
                p->path[depth] = (hisi_json_step){ .key = key, .key_len = p->buf.len };
                skip_space(p);
                if (peek(p) != ':')
                        return fail_syntax(p, "object property name separator ':' expected");
                p->pos++;
                skip_space(p);
                r = node_add(p, node, depth, key_offset, key_line, key_column, &child);
                if (r < 0)
                        return r;
                if (child != NO_NODE)
                        p->nodes[child].key = key;
                r = parse_value(p, depth + 1, child, &value);
                if (r < 0)
                        return r;
                /* Replaces the NULL put in above; the key stays as it is. */
                if (json_object_object_add_ex(obj, key, value, 0) < 0) {
                        json_object_put(value);
                        return fail_oom(p);
                }
                r = next_or_close(p, '}', "object value separator ',' expected", depth, node);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(obj);
        return 0;
}

static int parse_array(parser *p, size_t depth, uint32_t node, json_object **ret) {
        _cleanup_json_ json_object *array = NULL;
        int r;

        r = open_container(p, depth, json_object_new_array, ']', &array);
        for (size_t i = 0; r > 0; i++) {
                json_object *value = NULL;
                uint32_t child;

                p->path[depth] = (hisi_json_step){ .index = i };
                r = node_add(p, node, depth, p->pos, p->line, column_of(p, p->pos), &child);
                if (r < 0)
                        return r;
                r = parse_value(p, depth + 1, child, &value);
                if (r < 0)
                        return r;
                if (json_object_array_add(array, value) < 0) {
                        json_object_put(value);
                        return fail_oom(p);
                }
                r = next_or_close(p, ']', "array value separator ',' expected", depth, node);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(array);
        return 0;
}

/* The value at p->pos, which is not white space: a new object in *ret (NULL for null). */
static int parse_value(parser *p, size_t depth, uint32_t node, json_object **ret) {
        size_t start = p->pos;
        json_object *o = NULL;
        int r;

        switch (peek(p)) {
        case '{':
                r = parse_object(p, depth, node, &o);
                break;
        case '[':
                r = parse_array(p, depth, node, &o);
                break;
        case '"':
                r = parse_string(p);
                if (r >= 0) {
                        o = json_object_new_string_len(p->buf.data, (int)p->buf.len);
                        r = o ? 0 : fail_oom(p);
                }
                break;
        case 't':
        case 'T':
        case 'f':
        case 'F': {
                bool b = peek(p) == 't' || peek(p) == 'T';
                r = parse_literal(p, b ? "true" : "false", "syntax error: boolean expected");
                if (r >= 0) {
                        o = json_object_new_boolean(b);
                        r = o ? 0 : fail_oom(p);
                }
                break;
        }
        case 'n':
        case 'N':
                r = parse_literal(p, "null", "syntax error: null expected");
                break;
        case '-':
        case '0' ... '9':
                r = parse_number(p, &o);
                break;
        default:
                r = fail_syntax(p, "unexpected character");
        }
        if (r < 0) {
                json_object_put(o);
                return r;
        }
        if (node != NO_NODE) {
                p->nodes[node].value_offset = (uint32_t)start;
                p->nodes[node].value_length = (uint32_t)(p->pos - start);
                p->nodes[node].object = o;
        }
        *ret = o;
        return 0;
}

static void parser_done(parser *p) {
        hisi_json_buffer_done(&p->buf);
        free(p->nodes);
        free(p->children);
        for (size_t i = 0; i < HISI_JSON_DEPTH_MAX; i++)
                free(p->pending[i].items);
        if (p->c_locale != (locale_t)0)
                freelocale(p->c_locale);
        free(p->message);
}

int hisi_json_parse_tree(const char *text, size_t len, const char *origin, bool with_nodes,
                         hisi_json_tree *ret, char **ret_error) {
        _cleanup_(parser_done) parser p = {
                .text = text ? text : "",
                .len = len,
                .line = 1,
                .with_nodes = with_nodes,
                .origin = ret_error ? (origin ? origin : "input") : NULL,
        };
        _cleanup_json_ json_object *root = NULL;
        const char *nul;
        uint32_t node;
        int r;

        assert(ret);
        if (len > HISI_JSON_SIZE_MAX) {
                if (p.origin &&
                    asprintf_safe(ret_error, "%s: too large: %zu bytes, the limit is %u", p.origin,
                                  len, HISI_JSON_SIZE_MAX) < 0)
                        return -ENOMEM;
                return -EFBIG;
        }
        /* Refused wherever it stands: a C string would end there. */
        nul = len > 0 ? memchr(text, '\0', len) : NULL;
        if (nul) {
                unsigned line, column;
                hisi_json_line_column(text, len, (size_t)(nul - text), &line, &column);
                if (p.origin && asprintf_safe(ret_error, "%s:%u:%u: syntax error: NUL byte",
                                              p.origin, line, column) < 0)
                        return -ENOMEM;
                return -EINVAL;
        }

        skip_space(&p);
        r = node_add(&p, NO_NODE, 0, p.pos, p.line, column_of(&p, p.pos), &node);
        if (r >= 0)
                r = parse_value(&p, 0, node, &root);
        if (r >= 0) {
                skip_space(&p);
                if (p.pos < p.len)
                        r = fail_syntax(&p, "unexpected character");
        }
        if (r < 0) {
                if (ret_error)
                        *ret_error = TAKE_PTR(p.message);
                return r;
        }
        *ret = (hisi_json_tree){
                .root = TAKE_PTR(root),
                .nodes = TAKE_PTR(p.nodes),
                .n_nodes = p.n_nodes,
                .children = TAKE_PTR(p.children),
                .n_children = p.n_children,
        };
        return 0;
}

void hisi_json_tree_done(hisi_json_tree *t) {
        if (!t)
                return;
        json_object_put(t->root);
        free(t->nodes);
        free(t->children);
        *t = (hisi_json_tree){};
}

int hisi_json_parse(const char *text, size_t len, const char *origin, json_object **ret,
                    char **ret_error) {
        hisi_json_tree t;
        int r;

        if ((!text && len > 0) || !ret)
                return -EINVAL;
        r = hisi_json_parse_tree(text, len, origin, false, &t, ret_error);
        if (r < 0)
                return r;
        *ret = t.root;
        return 0;
}

const hisi_json_node *hisi_json_node_member(const hisi_json_tree *t, const hisi_json_node *n,
                                            const char *key) {
        if (!t || !n || !key || !json_object_is_type(n->object, json_type_object))
                return NULL;
        for (uint32_t i = 0; i < n->n_children; i++) {
                const hisi_json_node *c = &t->nodes[t->children[n->children + i]];
                if (streq(c->key, key))
                        return c;
        }
        return NULL;
}

const hisi_json_node *hisi_json_node_element(const hisi_json_tree *t, const hisi_json_node *n,
                                             size_t index) {
        if (!t || !n || !json_object_is_type(n->object, json_type_array) || index >= n->n_children)
                return NULL;
        return &t->nodes[t->children[n->children + index]];
}
