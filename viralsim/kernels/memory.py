"""Memory hints for the kernels: a software prefetch numba does not expose itself.

Cascades and graph growth read rows of big arrays at random places (a follower's state, a node's
neighbours).  Issuing the load of a row a few iterations before it is needed lets the cache
misses of several rows overlap instead of following one another.  A prefetch never changes a
result: it only warms the cache.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["prefetch"]


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
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [byte_ptr, i32, i32, i32]), "llvm.prefetch.p0")
        # (address, rw = 1 write, locality = 3 keep, cache type = 1 data)
        builder.call(fn, [builder.bitcast(ptr, byte_ptr), ir.Constant(i32, 1), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return types.void(array, index), codegen
