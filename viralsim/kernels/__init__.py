"""Numba kernels: arrays and scalars in, arrays out. No Python objects, no validation here.

Public functions in the rest of viralsim validate their inputs, allocate, and call these.
"""
