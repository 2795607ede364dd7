"""Signals of the competitions app, for the apps built on it: this app imports none of them.

``final_submissions_limit_changed`` is sent by ``services.update_competition`` inside its transaction, with the
competition's row locked and saved, when a host changed the number of final submissions per team (argument
``competition``). The private board depends on it (the submissions app keeps the board); a receiver that raises a
``core.errors.DomainError`` refuses the whole change.
"""

from __future__ import annotations

from django.dispatch import Signal

final_submissions_limit_changed = Signal()
