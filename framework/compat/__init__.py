"""Compatibility layers that let code written for other frameworks run on
this one, each switched on explicitly.

The top layer: it may import every other part of the package, and nothing
in the package imports it. :mod:`framework.compat.flask` makes ``import
flask`` resolve to this framework, so that Flask extensions run unchanged.
"""
