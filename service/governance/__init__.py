"""A competition's governance over HTTP: its hosts grant and revoke roles in it and read its audit log.

Above ``teams`` and ``competitions`` (a role can be bound to one of the competition's teams, and a participant
cannot become a host), which themselves build on ``access``: that is why these endpoints are not in ``access``.
"""
