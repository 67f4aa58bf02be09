"""Every write on a consultation: the lifecycle of DESIGN §3, panels, opinions, responses.

One module per part of the lifecycle, mirroring the views. Each service checks the actor
and the state again (views fetched the objects through the access helpers), records a
``Transition`` for state changes and schedules notifications on commit. Refusals raise
``ConsultationError`` (``lifecycle``) with one of the messages of ``lifecycle`` or
``_common``, which views show as they are.
"""
