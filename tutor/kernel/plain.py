"""Copying values out of the learner's process as plain data, with functions it cannot swap.

    plain = PlainCopier(torch, numpy)      # at worker start, before any learner code runs
    plain.copy(y)    # {"kind": "array", "container": "tensor", "shape": (1, 1), "data": ...}

A passing comparison is only believed once the front has compared the plain copies itself (see
``tutor.verify``): the learner's code runs in this process and may have patched
`torch.isclose`, `Tensor.all` or `builtins.bool`, or made `y` a tensor subclass whose
`__torch_function__` answers every comparison with True. So every function used here is taken
when the worker starts, attributes are read through the base classes' own descriptors (a
subclass's `shape` property is not asked), and tensor subclasses' `__torch_function__` is
switched off while copying. The result holds only built-in types: the front reads it with an
unpickler that refuses every class.
"""

from __future__ import annotations

from typing import Any

# Taken when the worker imports this module, before any learner code: a learner who rebinds
# `builtins.bool` or `builtins.type` changes what these names mean everywhere else.
_type, _issubclass, _str, _tuple = type, issubclass, str, tuple
_bool, _float, _int = bool, float, int
_Exception, _complex = Exception, complex
_int_value, _float_value = int.__int__, float.__float__
_complex_real, _complex_imag = complex.__dict__["real"].__get__, complex.__dict__["imag"].__get__

# Past this many values a copy is not made (and the comparison is taken on trust): a lesson's
# answers are far smaller, and the copy crosses the socket on every check. The bound is for all
# the copies of one check together (``limit``).
MAX_VALUES = 2_000_000

PlainValue = dict[str, Any]


class PlainCopier:
    """Plain copies of tensors, arrays and numbers, made with functions taken at the start."""

    def __init__(self, torch: Any, numpy: Any) -> None:
        base = torch._C.TensorBase
        self._tensor_type = torch.Tensor
        self._ndarray_type = numpy.ndarray
        self._numpy_scalar = numpy.generic
        self._no_subclass_functions = torch._C.DisableTorchFunctionSubclass
        self._detach, self._to, self._contiguous = base.detach, base.to, base.contiguous
        self._to_numpy, self._is_complex, self._numel = base.numpy, base.is_complex, base.numel
        self._tensor_shape = base.__dict__["shape"].__get__
        self._tensor_dtype = base.__dict__["dtype"].__get__
        self._tensor_device = base.__dict__["device"].__get__
        self._float64, self._complex128 = torch.float64, torch.complex128
        self._array_shape = numpy.ndarray.__dict__["shape"].__get__
        self._array_dtype = numpy.ndarray.__dict__["dtype"].__get__
        self._astype, self._tobytes = numpy.ndarray.astype, numpy.ndarray.tobytes
        self._array_size = numpy.ndarray.__dict__["size"].__get__
        self._item = numpy.generic.item
        self._np_float64, self._np_complex128 = numpy.float64, numpy.complex128

    def copy(self, value: Any, limit: int = MAX_VALUES) -> PlainValue:
        """``value`` as plain data; ``{"kind": "unreadable"}`` when it can't be copied truly."""
        try:
            kind = _type(value)
            if _issubclass(kind, self._tensor_type):
                return self._tensor(value, limit)
            if _issubclass(kind, self._ndarray_type):
                return self._array(value, limit)
            if _issubclass(kind, self._numpy_scalar):
                return _number(self._item(value))
            return _number(value)
        except _Exception as error:  # a value built to resist copying is not believed
            return {"kind": "unreadable", "why": _str(_type(error).__name__)}

    def _tensor(self, value: Any, limit: int) -> PlainValue:
        with self._no_subclass_functions():
            shape = _tuple(_int(s) for s in self._tensor_shape(value))
            dtype = _str(self._tensor_dtype(value)).removeprefix("torch.")
            device = _str(self._tensor_device(value).type)
            if self._numel(value) > limit:
                return {"kind": "too_big", "shape": shape}
            is_complex = _bool(self._is_complex(value))
            wide = self._complex128 if is_complex else self._float64
            flat = self._contiguous(self._to(self._to(self._detach(value), "cpu"), wide))
            data = self._tobytes(self._to_numpy(flat))
        return _array("tensor", shape, dtype, device, is_complex, data)

    def _array(self, value: Any, limit: int) -> PlainValue:
        shape = _tuple(_int(s) for s in self._array_shape(value))
        dtype = _str(self._array_dtype(value))
        if self._array_size(value) > limit:
            return {"kind": "too_big", "shape": shape}
        is_complex = dtype.startswith("complex")
        wide = self._np_complex128 if is_complex else self._np_float64
        data = self._tobytes(self._astype(value, wide))
        return _array("ndarray", shape, dtype, "cpu", is_complex, data)


def _number(value: Any) -> PlainValue:
    kind = _type(value)
    if _issubclass(kind, _bool):
        return {"kind": "number", "type": "bool", "real": _float(_int_value(value))}
    if _issubclass(kind, _int):
        return {"kind": "number", "type": "int", "real": _float(_int_value(value))}
    if _issubclass(kind, _float):
        return {"kind": "number", "type": "float", "real": _float_value(value)}
    if _issubclass(kind, _complex):
        real, imag = _complex_real(value), _complex_imag(value)
        return {"kind": "number", "type": "complex", "real": real, "imag": imag}
    return {"kind": "other", "type": _str(kind.__name__)}


def _array(
    container: str, shape: tuple[int, ...], dtype: str, device: str, is_complex: bool, data: bytes
) -> PlainValue:
    return {
        "kind": "array",
        "container": container,
        "shape": shape,
        "dtype": dtype,
        "device": device,
        "complex": is_complex,
        "data": data,
    }
