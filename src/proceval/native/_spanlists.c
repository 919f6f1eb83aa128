/* Optional compiled reader of per-question span lists (see proceval/native/__init__.py).
 *
 * read(values) takes a list whose items are lists or tuples of spans, each span a list or tuple of
 * exactly two times, each time an exact Python float or an exact Python int of magnitude at most 2**53
 * (so that it converts to a double without rounding). It returns three bytearrays holding native
 * float64 starts, float64 ends and int64 question indices, one entry per span in question order, or
 * None as soon as any item is of another kind (a bool, None, a string, a NumPy scalar or array, a span
 * of another length, a subclass, ...): the caller then reads the values its own way. No Python code runs
 * while the values are read (only exact built-in types are accepted), so the lists cannot change under
 * the reader; the sizes are still checked again in the second pass.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#define EXACT_INT_LIMIT 9007199254740992LL /* 2**53 */

/* 1 and the value in *out for an exact float or a small exact int; 0 for anything else. */
static int
read_time(PyObject *item, double *out)
{
    if (PyFloat_CheckExact(item)) {
        *out = PyFloat_AS_DOUBLE(item);
        return 1;
    }
    if (PyLong_CheckExact(item)) {
        int overflow = 0;
        long long v = PyLong_AsLongLongAndOverflow(item, &overflow);
        if (overflow || (v == -1 && PyErr_Occurred())) {
            PyErr_Clear();
            return 0;
        }
        if (v > EXACT_INT_LIMIT || v < -EXACT_INT_LIMIT) {
            return 0;
        }
        *out = (double)v;
        return 1;
    }
    return 0;
}

static inline int
is_sequence(PyObject *obj)
{
    return PyList_CheckExact(obj) || PyTuple_CheckExact(obj);
}

static PyObject *
spanlists_read(PyObject *module, PyObject *values)
{
    (void)module;
    if (!PyList_CheckExact(values)) {
        Py_RETURN_NONE;
    }
    Py_ssize_t n = PyList_GET_SIZE(values);
    Py_ssize_t total = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *spans = PyList_GET_ITEM(values, i);
        if (!is_sequence(spans)) {
            Py_RETURN_NONE;
        }
        total += PySequence_Fast_GET_SIZE(spans);
    }
    if (total > PY_SSIZE_T_MAX / 8) {
        Py_RETURN_NONE;
    }
    PyObject *starts = PyByteArray_FromStringAndSize(NULL, total * 8);
    PyObject *ends = PyByteArray_FromStringAndSize(NULL, total * 8);
    PyObject *question = PyByteArray_FromStringAndSize(NULL, total * 8);
    if (starts == NULL || ends == NULL || question == NULL) {
        goto fail;
    }
    double *s = (double *)PyByteArray_AS_STRING(starts);
    double *e = (double *)PyByteArray_AS_STRING(ends);
    int64_t *q = (int64_t *)PyByteArray_AS_STRING(question);
    Py_ssize_t k = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *spans = PyList_GET_ITEM(values, i);
        Py_ssize_t m = PySequence_Fast_GET_SIZE(spans);
        if (m > total - k) {
            goto refuse;
        }
        PyObject **items = PySequence_Fast_ITEMS(spans);
        for (Py_ssize_t j = 0; j < m; j++) {
            PyObject *span = items[j];
            if (!is_sequence(span) || PySequence_Fast_GET_SIZE(span) != 2) {
                goto refuse;
            }
            PyObject **pair = PySequence_Fast_ITEMS(span);
            if (!read_time(pair[0], s + k) || !read_time(pair[1], e + k)) {
                goto refuse;
            }
            q[k] = (int64_t)i;
            k++;
        }
    }
    if (k != total) {
        goto refuse;
    }
    return Py_BuildValue("(NNN)", starts, ends, question);

refuse:
    Py_DECREF(starts);
    Py_DECREF(ends);
    Py_DECREF(question);
    Py_RETURN_NONE;

fail:
    Py_XDECREF(starts);
    Py_XDECREF(ends);
    Py_XDECREF(question);
    return NULL;
}

static PyMethodDef spanlists_methods[] = {
    {"read", spanlists_read, METH_O,
     "read(values) -> (starts, ends, question) bytearrays of native float64 / float64 / int64, or None."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef spanlists_module = {
    PyModuleDef_HEAD_INIT, "_spanlists", "Compiled reader of per-question span lists.", -1,
    spanlists_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__spanlists(void)
{
    return PyModule_Create(&spanlists_module);
}
