"""The audit trail as people read it: actions, objects, fields and roles in words, times in Japan, only what changed.

The trail stores codes (``session.login``, ``["bureau_admin"]``) and UTC times, which auditors and scripts
need; :func:`describe` turns an entry into what the audit page shows and the exports add: the action in
Japanese with its English, the object in words, the time in Japan (the house style of
:mod:`keikaku.normalize.date_style`), and one line per field whose value changed (a field equal before and
after is left out).  An import names its file first.  Values are shown in words where they are codes: roles
(「広域産業振興局 管理者（Bureau administrator）」), channels, yes/no, and stored times in Japan time.

Every action a service records is an :class:`~keikaku.services.governance.audit_actions.AuditAction`, which
carries its words; a test fails when one is not.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any, Protocol

from keikaku.normalize.date_style import english_date, house_date, house_moment, in_japan
from keikaku.services.governance.audit_actions import AuditAction

#: Action code → (Japanese, English), from :class:`~keikaku.services.governance.audit_actions.AuditAction`.
ACTIONS: dict[str, tuple[str, str]] = {a.value: (a.ja, a.en) for a in AuditAction}

#: Object type → (Japanese, English).
OBJECTS: dict[str, tuple[str, str]] = {
    "actual_value": ("実績", "Actual value"),
    "call": ("実績照会", "Call for actuals"),
    "qualitative_judgement": ("定性判定", "Qualitative judgement"),
    "period": ("年度", "Fiscal year"),
    "plan": ("計画", "Plan"),
    "evaluation": ("評価", "Evaluation"),
    "comment": ("コメント", "Comment"),
    "project": ("事業", "Project"),
    "kpi": ("KPI", "KPI"),
    "cooperative_project": ("協調事業", "Cooperative project"),
    "partner_link": ("連携", "Partner link"),
    "document": ("文書", "Document"),
    "upload": ("取り込み中の文書", "Uploaded document"),
    "user": ("アカウント", "Account"),
    "api_token": ("API トークン", "API token"),
    "database": ("データベース", "Database"),
    "web_property": ("ウェブサイト", "Website"),
    "directory": ("企業名簿", "Directory"),
    "activity_entry": ("広報実績", "Communications entry"),
    "ranking_entry": ("ランキング", "Ranking"),
    "newsletter_issue": ("メールマガジン", "Newsletter issue"),
    "survey": ("アンケート", "Survey"),
    "survey_response": ("アンケートの回答", "Survey response"),
    "event": ("イベント", "Event"),
    "registration": ("参加申込", "Registration"),
    "platform_institution": ("会員機関", "Member institution"),
    "platform_case": ("相談", "Consultation"),
    "platform_seed": ("シーズ", "Seed"),
    "platform_need": ("ニーズ", "Need"),
    "platform_match": ("マッチング", "Match"),
    "platform_interview": ("面談", "Interview"),
    "lab_equipment_upload": ("取り込み前の機器一覧", "Uploaded equipment list"),
}

#: Field name → (Japanese, English); a field not listed is shown by its name.
FIELDS: dict[str, tuple[str, str]] = {
    "file": ("ファイル", "File"),
    "path": ("ファイル", "File"),
    "value": ("値", "Value"),
    "version": ("版", "Version"),
    "kpi": ("KPI", "KPI"),
    "channel": ("入力の経路", "Channel"),
    "note": ("備考", "Note"),
    "evidence_text": ("根拠", "Evidence"),
    "roles": ("役割", "Roles"),
    "departments": ("担当課", "Departments"),
    "member_government": ("構成府県市", "Member government"),
    "display_name": ("表示名", "Display name"),
    "username": ("ユーザー名", "User name"),
    "disabled": ("無効", "Disabled"),
    "must_change_password": ("次のログインでパスワードの変更が必要", "Must change password at next sign-in"),
    "sessions_revoked": ("終了したセッション", "Sessions ended"),
    "password": ("パスワード", "Password"),
    "state": ("状態", "State"),
    "locked": ("確定", "Locked"),
    "locked_by": ("確定した人", "Locked by"),
    "locked_at": ("確定した日時", "Locked at"),
    "fiscal_year": ("年度", "Fiscal year"),
    "plan_id": ("計画", "Plan"),
    "name": ("名称", "Name"),
    "title": ("見出し", "Title"),
    "summary": ("概要", "Summary"),
    "field": ("分野", "Field"),
    "budget_thousand_yen": ("予算額（千円）", "Budget (¥ thousand)"),
    "national_subsidy_thousand_yen": ("国庫補助金（千円）", "National subsidy (¥ thousand)"),
    "text": ("目標（計画の記載）", "Target as written"),
    "indicator": ("指標", "Indicator"),
    "comparator": ("比較", "Comparator"),
    "target": ("目標値", "Target"),
    "unit": ("単位", "Unit"),
    "relative_to": ("基準", "Relative to"),
    "added": ("追加した件数", "Added"),
    "rows": ("行数", "Rows"),
    "kind": ("種類", "Kind"),
    "institution_id": ("会員機関", "Member institution"),
    "errors": ("誤りの件数", "Errors"),
}

ROLES: dict[str, tuple[str, str]] = {
    "bureau_admin": ("広域産業振興局 管理者", "Bureau administrator"),
    "department_editor": ("担当課 編集者", "Department editor"),
    "member_contributor": ("構成府県市 入力者", "Member-government contributor"),
    "council_member": ("推進会議 委員", "Council member"),
    "coordinator": ("共創プラットフォーム コーディネーター", "Platform coordinator"),
    "public": ("一般", "Public"),
}

CHANNELS: dict[str, tuple[str, str]] = {
    "web": ("画面", "web form"),
    "api": ("API", "API"),
    "cli": ("コマンド", "command line"),
    "csv": ("CSV の取り込み", "CSV import"),
    "xlsx": ("Excel の取り込み", "Excel import"),
    "computed": ("自動計算", "computed"),
}

#: Fields naming the file an import read: shown first.
FILE_FIELDS = ("file", "path")
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class Entry(Protocol):
    """What :func:`describe` reads of an entry (:class:`keikaku.services.governance.audit.AuditRecord`)."""

    @property
    def at(self) -> dt.datetime: ...
    @property
    def action(self) -> str: ...
    @property
    def object_type(self) -> str: ...
    @property
    def object_id(self) -> str | None: ...
    @property
    def before(self) -> Any: ...
    @property
    def after(self) -> Any: ...


@dataclass(frozen=True)
class Change:
    """One field of an entry whose value changed, in words."""

    field: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditLine:
    """An entry as people read it: the action, object and time in words, and the fields that changed."""

    entry: Entry
    action: str
    action_other: str
    object: str
    at: str
    changes: tuple[Change, ...]
    file: str | None


def _words(table: dict[str, tuple[str, str]], code: str, lang: str) -> tuple[str, str]:
    """(the words in the page's language, the words in the other) for a code; the code itself if unknown."""
    ja, en = table.get(code, (code, code))
    return (ja, en) if lang == "ja" else (en, ja)


def action_words(action: str, lang: str = "ja") -> str:
    """An action in words with the other language in parentheses: ``ログイン（Signed in）``."""
    first, other = _words(ACTIONS, action, lang)
    return first if first == other else f"{first}（{other}）" if lang == "ja" else f"{first} ({other})"


def role_words(role: str, lang: str = "ja") -> str:
    """A role in words with the other language: ``広域産業振興局 管理者（Bureau administrator）``."""
    first, other = _words(ROLES, role, lang)
    return f"{first}（{other}）" if lang == "ja" else f"{first} ({other})"


def moment_words(moment: dt.datetime, lang: str = "ja") -> str:
    """A moment in Japan time: ``令和8年12月2日（2026-12-02）21:25`` / ``2026-12-02 (Reiwa 8) 21:25 JST``."""
    if lang == "ja":
        return house_moment(moment)
    local = in_japan(moment)
    return f"{english_date(local)} {local:%H:%M} JST"


def _moment_text(text: str, lang: str) -> str | None:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment_words(moment, lang)  # stored times are UTC (or carry their offset): shown in Japan


def value_text(field: str, value: Any, lang: str = "ja") -> str:
    """A stored value in words: roles and channels by name, yes/no, times in Japan, lists joined."""
    if value is None or value in ("", []):
        return "—"
    if field == "roles" and isinstance(value, list):
        return "、".join(role_words(str(r), lang) for r in value)
    if field == "channel" and isinstance(value, str):
        return _words(CHANNELS, value, lang)[0]
    if isinstance(value, bool):
        return ("はい" if value else "いいえ") if lang == "ja" else ("yes" if value else "no")
    if isinstance(value, str):
        if _MOMENT.match(value) and (moment := _moment_text(value, lang)):
            return moment
        if _DAY.fullmatch(value):
            day = dt.date.fromisoformat(value)
            return house_date(day) if lang == "ja" else english_date(day)
        return value
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return "、".join(value_text(field, v, lang) for v in value)
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def changes_of(before: Any, after: Any, lang: str = "ja") -> tuple[Change, ...]:
    """The fields whose value differs between ``before`` and ``after``, file names first.

    A new object (nothing before) lists what it was created with; values that are not objects are one change."""
    if isinstance(before, dict) or isinstance(after, dict):
        old = before if isinstance(before, dict) else {}
        new = after if isinstance(after, dict) else {}
        keys = [k for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)]
        keys.sort(key=lambda k: k not in FILE_FIELDS)  # stable: the file first, the rest in stored order
        return tuple(
            Change(k, _words(FIELDS, k, lang)[0], value_text(k, old.get(k), lang), value_text(k, new.get(k), lang))
            for k in keys
        )
    if (before is None and after is None) or before == after:
        return ()
    return (Change("", "", value_text("", before, lang), value_text("", after, lang)),)


def describe(entry: Entry, lang: str = "ja") -> AuditLine:
    """An entry of the trail in words (see the module)."""
    first, other = _words(ACTIONS, entry.action, lang)
    after = entry.after if isinstance(entry.after, dict) else {}
    file = next((str(after[k]) for k in FILE_FIELDS if after.get(k)), None)
    thing = _words(OBJECTS, entry.object_type, lang)[0]
    return AuditLine(
        entry=entry,
        action=first,
        action_other=other if other != first else "",
        object=f"{thing} {entry.object_id}" if entry.object_id else thing,
        at=moment_words(entry.at, lang),
        changes=changes_of(entry.before, entry.after, lang),
        file=file,
    )
