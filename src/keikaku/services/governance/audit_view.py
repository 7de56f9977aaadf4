"""The audit trail as people read it: actions, objects, fields and roles in words, times in Japan, only what changed.

The trail stores codes (``session.login``, ``["bureau_admin"]``) and UTC times, which auditors and scripts
need; :func:`describe` turns an entry into what the audit page shows and the exports add: the action in
Japanese with its English, the object in words, the time in Japan (the house style of
:mod:`keikaku.normalize.date_style`), and one line per field whose value changed (a field equal before and
after is left out).  An import names its file first.  Values are shown in words where they are codes: roles
(「広域産業振興局 管理者（Bureau administrator）」), channels, yes/no, and stored times in Japan time.

Every action a service records has its words here; a test fails when one is missing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any, Protocol

from keikaku.normalize.date_style import english_date, house_date, house_moment, in_japan

#: Action code → (Japanese, English).
ACTIONS: dict[str, tuple[str, str]] = {
    "actual.set": ("実績の入力", "Actual value entered"),
    "actual.correct": ("実績の訂正", "Actual value corrected"),
    "actual.conflict": ("実績の競合（保存せず）", "Actual value conflict (not saved)"),
    "actual.compute": ("実績の自動計算", "Actual value computed"),
    "actual.recompute": ("記録の変更による実績の再計算", "Actual value recomputed after its records changed"),
    "actual.compute_year": ("年度の KPI の一括計算", "Every bound KPI of a fiscal year computed"),
    "actual.adopt_computed": ("計算した実績の採用", "Computed value adopted"),
    "judgement.set": ("定性判定の入力", "Qualitative judgement entered"),
    "judgement.correct": ("定性判定の訂正", "Qualitative judgement corrected"),
    "period.lock": ("年度の確定", "Fiscal year locked"),
    "period.reopen": ("確定済み年度の再開", "Fiscal year reopened"),
    "evaluation_settings.set": ("判定基準の変更", "Evaluation thresholds changed"),
    "plan.publish": ("計画の公開", "Plan published"),
    "plan.unpublish": ("計画の公開取り下げ", "Plan withdrawn"),
    "evaluation.publish": ("評価の公開", "Evaluation published"),
    "evaluation.unpublish": ("評価の公開取り下げ", "Evaluation withdrawn"),
    "plan.revision_carry_over": ("改訂版への実績の引き継ぎ", "Year's data carried over to a revision"),
    "document.upload": ("文書の取り込み（確認待ち）", "Document uploaded for review"),
    "document.upload_store": ("取り込んだ文書を下書きとして保存", "Uploaded document stored as a draft"),
    "document.upload_discard": ("取り込んだ文書の破棄", "Uploaded document discarded"),
    "comment.create": ("推進会議のコメント", "Council comment"),
    "project.update": ("事業の変更", "Project changed"),
    "project.conflict": ("事業の変更の競合（保存せず）", "Project edit conflict (not saved)"),
    "kpi.update_target": ("KPI の目標の変更", "KPI target changed"),
    "kpi.conflict": ("KPI の目標の変更の競合（保存せず）", "KPI target edit conflict (not saved)"),
    "cooperative.create": ("協調事業の追加", "Cooperative project added"),
    "cooperative.update": ("協調事業の変更", "Cooperative project changed"),
    "cooperative.remove": ("協調事業の削除", "Cooperative project removed"),
    "partner_link.confirm": ("連携の確認", "Partner link confirmed"),
    "partner_link.remove": ("連携の取り消し", "Partner link removed"),
    "partner_link.restore": ("連携を候補に戻す", "Partner link back to suggested"),
    "document.ingest": ("文書の取り込み", "Document ingested"),
    "measure.bind": ("KPI の測定方法の設定", "KPI measure set"),
    "cycle.open": ("実績照会の開始", "Call for actuals opened"),
    "cycle.change": ("実績照会の変更", "Call for actuals changed"),
    "cycle.submit": ("実績の提出", "Actuals submitted"),
    "cycle.withdraw": ("提出の取り消し", "Submission withdrawn"),
    "cycle.remind": ("実績照会の督促", "Reminder sent"),
    "user.create": ("アカウントの作成", "Account created"),
    "user.update": ("アカウントの変更", "Account changed"),
    "user.disable": ("アカウントの無効化", "Account disabled"),
    "user.enable": ("アカウントの有効化", "Account enabled"),
    "user.reset_password": ("パスワードの再設定", "Password reset"),
    "user.change_password": ("パスワードの変更", "Password changed"),
    "user.password_rehash": ("パスワードの保存形式の更新", "Password hash upgraded"),
    "session.login": ("ログイン", "Signed in"),
    "session.logout": ("ログアウト", "Signed out"),
    "token.create": ("API トークンの発行", "API token created"),
    "token.revoke": ("API トークンの失効", "API token revoked"),
    "database.backup": ("バックアップ", "Backup"),
    "database.restore": ("復元", "Restore"),
    "web_property.add": ("ウェブサイトの登録", "Website added"),
    "web_analytics.import": ("アクセス解析の取り込み", "Web analytics imported"),
    "web_analytics.replace": ("アクセス解析の差し替え", "Web analytics replaced"),
    "directory.import": ("企業名簿の取り込み", "Directory imported"),
    "directory.export": ("名簿の連絡先付き書き出し", "Directory exported with contacts"),
    "registry.add": ("広報実績の追加", "Communications entry added"),
    "registry.import": ("広報実績の取り込み", "Communications entries imported"),
    "registry.export": ("広報実績の書き出し", "Communications entries exported"),
    "registry.evidence": ("広報実績の根拠ファイルの添付", "Evidence file attached to a communications entry"),
    "ranking.add": ("ランキングの順位の登録", "Ranking added"),
    "newsletter.add_issue": ("メールマガジンの号の追加", "Newsletter issue added"),
    "newsletter.add_survey": ("メールマガジンの読者アンケートの作成", "Newsletter reader survey created"),
    "survey.create": ("アンケートの作成", "Survey created"),
    "survey.respond": ("アンケートへの回答", "Survey answered"),
    "event.create": ("イベントの作成", "Event created"),
    "event.update": ("イベントの変更", "Event changed"),
    "event.export_personal_data": ("参加者の個人情報の書き出し", "Participants' personal data exported"),
    "event.erase_personal_data": ("参加者の個人情報の消去", "Participants' personal data erased"),
    "event.import_participants": ("参加者名簿の取り込み", "Participant list imported"),
    "event.import_meetings": ("商談・面談リストの取り込み", "Meeting list imported"),
    "survey.import_responses": ("アンケート回答の取り込み", "Survey responses imported"),
    "survey.import_mapping": ("アンケート取り込みの対応付けの保存", "Survey import mapping saved"),
    "registration.create": ("参加の申込", "Registration"),
    "registration.cancel": ("申込の取り消し", "Registration cancelled"),
    "registration.offer": ("繰上げの案内", "Waiting-list place offered"),
    "registration.offer_expired": ("繰上げの期限切れ", "Waiting-list offer expired"),
    "registration.accept": ("繰上げの承諾", "Waiting-list offer accepted"),
    "registration.no_show": ("欠席の記録", "No-show recorded"),
    "checkin.add": ("来場の受付", "Check-in"),
    "platform.institution.add": ("会員機関の登録", "Member institution added"),
    "labsearch.import": ("研究機器の一覧の取り込み", "Equipment list imported"),
    "labsearch.upload": ("研究機器の一覧のアップロード（取り込み前の確認）", "Equipment list uploaded for preview"),
    "platform.case.open": ("相談の受付", "Consultation opened"),
    "platform.case.view": ("相談内容の閲覧", "Consultation viewed"),
    "platform.case.activity": ("相談の対応記録", "Consultation activity recorded"),
    "platform.case.change": ("相談の変更", "Consultation changed"),
    "platform.seed.add": ("シーズの登録", "Seed added"),
    "platform.need.add": ("ニーズの登録", "Need added"),
    "platform.match.decide": ("マッチングの判断", "Match decided"),
    "platform.interview.schedule": ("面談の予定", "Interview scheduled"),
    "platform.interview.status": ("面談の状況の変更", "Interview status changed"),
    "platform.interview.view": ("面談記録の閲覧", "Interview viewed"),
    "platform.attachment.view": ("相談の添付ファイルの閲覧", "Consultation attachment downloaded"),
}

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
