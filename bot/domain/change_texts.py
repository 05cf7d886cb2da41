"""The texts of changes to notes sent: /stats lines, broadcast Edit and Recall, their reports."""

from __future__ import annotations

import html
from collections.abc import Mapping

from bot.domain.audit import SHELL, AuditEntry
from bot.domain.callbacks import shorten
from bot.domain.changes import ChangeCounts
from bot.domain.i18n import N_, _, ngettext
from bot.domain.replies import bounded_list
from bot.domain.states import ChangeKind, ChangeState

EDIT_BUTTON = N_("Edit")
RECALL_BUTTON = N_("Recall")
EDIT_WINDOW_MINUTES = 5  # the admin's next message within this is the new text
NOT_EDITABLE = N_("This broadcast can no longer be edited.")
NO_AUDIT = N_("No editorial action recorded yet.")
AUDIT_ADMINS_ONLY = N_("Sorry, /audit is for the site's admins.")


def changes_summary(counts: Mapping[tuple[ChangeKind, ChangeState], int]) -> list[str]:
    """One plain line per kind of change to notes sent (for /stats and `newsbot stats`)."""
    lines = []
    for kind, title in ((ChangeKind.EDIT, _("Edits")), (ChangeKind.DELETE, _("Deletions"))):
        of_kind = ChangeCounts.of({state: n for (k, state), n in counts.items() if k == kind})
        if of_kind.total:
            lines.append(f"{title}: {_counts(kind, of_kind)}")
    return lines


def _counts(kind: ChangeKind, counts: ChangeCounts) -> str:
    if kind == ChangeKind.EDIT:
        done, refused = _("{n} edited"), _("{n} could not be edited")
    else:
        done, refused = _("{n} deleted"), _("{n} could not be deleted")
    parts = [done.format(n=counts.done)]
    if counts.refused:
        parts.append(refused.format(n=counts.refused))
    if counts.failed:
        parts.append(_("{n} failed").format(n=counts.failed))
    if counts.remaining:
        parts.append(_("{n} to do").format(n=counts.remaining))
    return ", ".join(parts)


def edit_prompt() -> str:
    return _(
        "Send me the new text of this broadcast within {minutes} minutes: every copy sent "
        "will be edited to it."
    ).format(minutes=EDIT_WINDOW_MINUTES)


def change_answer(kind: ChangeKind, copies: int) -> str:
    """The answer on Recall, or the reply to the new text of an edit."""
    if kind == ChangeKind.DELETE:
        text = ngettext("Deleting {n} copy", "Deleting {n} copies", copies)
    else:
        text = ngettext("Editing {n} copy", "Editing {n} copies", copies)
    return text.format(n=copies)


def change_line(kind: ChangeKind, counts: ChangeCounts, final: bool) -> str:
    """The footer of a broadcast's report while its edit or recall goes out, and at the end."""
    numbers = {"done": counts.done, "refused": counts.refused + counts.failed}
    if not final:
        numbers["remaining"] = counts.remaining
        if kind == ChangeKind.DELETE:
            text = _("Recalling… deleted {done}, could not {refused}, remaining {remaining}")
        else:
            text = _("Editing… edited {done}, could not {refused}, remaining {remaining}")
    elif kind == ChangeKind.DELETE:
        text = ngettext(
            "Recalled: {done} copy deleted, {refused} could not be deleted.",
            "Recalled: {done} copies deleted, {refused} could not be deleted.",
            counts.done,
        )
    else:
        text = ngettext(
            "Edited: {done} copy edited, {refused} could not be edited.",
            "Edited: {done} copies edited, {refused} could not be edited.",
            counts.done,
        )
    return f"<i>{html.escape(text.format(**numbers))}</i>"


def audit_line(entry: AuditEntry) -> str:
    """One action as /audit shows it (HTML): when, who, what."""
    who = _("shell") if entry.actor == SHELL else str(entry.actor)
    when = entry.at.strftime("%Y-%m-%d %H:%M")
    detail = html.escape(shorten(entry.detail, 120))
    return f"{when} UTC · {who} · <b>{html.escape(entry.action)}</b> {detail}"


def audit_report(entries: list[AuditEntry]) -> str:
    if not entries:
        return _(NO_AUDIT)
    return bounded_list(_("Last editorial actions:") + "\n", [audit_line(e) for e in entries])
