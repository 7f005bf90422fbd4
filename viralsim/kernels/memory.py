"""Memory hints for the kernels, which numba does not expose itself.

* :func:`prefetch`: cascades and graph growth read rows of big arrays at random places (a
  follower's state, a node's neighbours).  Issuing the load of a row a few iterations before it
  is needed lets the cache misses of several rows overlap instead of following one another.
* :func:`advise_huge_pages`: arrays allocated inside a kernel get 4 KiB pages, each faulted in
  on first touch and each a TLB entry; numpy asks Linux for 2 MiB pages for its large arrays,
  and this gives a kernel's own large arrays the same advice.

Neither changes a result.
"""

from __future__ import annotations

import sys

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["advise_huge_pages", "huge_copy", "huge_empty", "huge_zeros", "prefetch"]

_LINUX = sys.platform.startswith("linux")
_HUGE_PAGE = 2 * 1024 * 1024
_MADV_HUGEPAGE = 14  # <sys/mman.h> on Linux
# Above this size the advice is not given: on the VM this was measured on, faulting in hundreds of
# MiB of fresh huge pages took 2-3x longer than 4 KiB pages (generators at 10^7 nodes slowed by up
# to 40%), while arrays of tens of MiB faulted in 3-4x faster.
_HUGE_PAGES_UP_TO = 128 * 1024 * 1024


@intrinsic
def prefetch(typingctx, array, index):
    """Hint that row ``index`` of ``array`` (``array[index]`` or ``array[index, 0, ...]``) will be
    read or written soon (LLVM ``llvm.prefetch``, write intent, keep in all cache levels).

    ``index`` must be a valid row; no bounds check is made.
    """
    if not isinstance(array, types.Array) or not isinstance(index, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        array_type, index_type = signature.args
        ary = context.make_array(array_type)(context, builder, args[0])
        row = context.cast(builder, args[1], index_type, types.intp)
        zero = context.get_constant(types.intp, 0)
        ptr = cgutils.get_item_pointer(context, builder, array_type, ary, [row] + [zero] * (array_type.ndim - 1),
                                       wraparound=False)
        byte_ptr = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        # declare_intrinsic mangles the name for the pointer type as llvmlite's IR spells it
        # (llvm.prefetch.p0i8 with typed pointers; newer LLVMs upgrade it to .p0)
        fn = builder.module.declare_intrinsic(
            "llvm.prefetch", [byte_ptr], ir.FunctionType(ir.VoidType(), [byte_ptr, i32, i32, i32]))
        # (address, rw = 1 write, locality = 3 keep, cache type = 1 data)
        builder.call(fn, [builder.bitcast(ptr, byte_ptr), ir.Constant(i32, 1), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return types.void(array, index), codegen


@intrinsic
def advise_huge_pages(typingctx, array):
    """Ask Linux to back ``array``'s whole 2 MiB pages with huge pages (``madvise(MADV_HUGEPAGE)``).

    Call it right after allocating, before the array is written: it takes effect as the pages
    are first touched.  Arrays without a whole huge page, and other systems, are left alone;
    which arrays are worth it is :func:`huge_empty`'s choice.
    """
    if not isinstance(array, types.Array):
        return None

    def codegen(context, builder, signature, args):
        if not _LINUX:
            return context.get_dummy_value()
        array_type = signature.args[0]
        ary = context.make_array(array_type)(context, builder, args[0])
        i64 = ir.IntType(64)
        data = builder.ptrtoint(ary.data, i64)
        itemsize = context.get_abi_sizeof(context.get_data_type(array_type.dtype))
        nbytes = builder.mul(ary.nitems, ir.Constant(i64, itemsize))
        mask = ir.Constant(i64, ~(_HUGE_PAGE - 1) & 0xFFFFFFFFFFFFFFFF)
        start = builder.and_(builder.add(data, ir.Constant(i64, _HUGE_PAGE - 1)), mask)  # first whole page
        end = builder.and_(builder.add(data, nbytes), mask)
        with builder.if_then(builder.icmp_unsigned(">", end, start), likely=False):
            byte_ptr = ir.IntType(8).as_pointer()
            i32 = ir.IntType(32)
            fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(i32, [byte_ptr, i64, i32]), "madvise")
            builder.call(fn, [builder.inttoptr(start, byte_ptr), builder.sub(end, start), ir.Constant(i32, _MADV_HUGEPAGE)])
        return context.get_dummy_value()

    return types.void(array), codegen


_ALIGN_FROM = 256 * 1024  # bytes: from here on an array starts on a huge page and ends on one


@njit(cache=True, inline="always")
def huge_empty(size, dtype):
    """A 1-d ``np.empty(size, dtype)`` laid on whole 2 MiB pages, advised to get huge pages: for
    a kernel's large work arrays.

    From 256 KiB to 128 MiB the array is cut from a block 4 MiB larger, starting on a huge-page
    boundary, and every page it spans (its last one rounded up) gets the advice: a page
    fault then brings in 2 MiB, one fault instead of 512 (each about 3-9 us on a VM).  The
    slack is address space only; at most the last page's unused part is ever touched.
    """
    item = np.empty(0, dtype).itemsize
    nbytes = size * item
    if nbytes < _ALIGN_FROM or nbytes > _HUGE_PAGES_UP_TO:
        return np.empty(size, dtype)[:]
    pad = 2 * _HUGE_PAGE // item
    raw = np.empty(size + pad, dtype)
    skip = ((_HUGE_PAGE - raw.ctypes.data % _HUGE_PAGE) % _HUGE_PAGE) // item
    pages = (nbytes + _HUGE_PAGE - 1) // _HUGE_PAGE
    advise_huge_pages(raw[skip:skip + pages * _HUGE_PAGE // item])
    return raw[skip:skip + size]


@njit(cache=True, inline="always")
def huge_zeros(size, dtype):
    """A zero 1-d array of ``size`` advised to get huge pages before it is written."""
    out = huge_empty(size, dtype)
    out[:] = 0
    return out


@njit(cache=True, inline="always")
def huge_copy(array):
    """A copy of a 1-d array, advised to get huge pages before it is written."""
    out = huge_empty(array.shape[0], array.dtype)
    out[:] = array
    return out
