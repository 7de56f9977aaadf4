"""The audit trail's actions: one :class:`AuditAction` per code a service records, with its words.

The trail stores the code (``session.login``); the audit page and the exports show the words, Japanese
with the English (:mod:`keikaku.services.governance.audit_view`).  Services pass a member to
:func:`keikaku.services.governance.audit.record`; a test fails when an action recorded anywhere is not one.
"""

from __future__ import annotations

from enum import StrEnum


class AuditAction(StrEnum):
    """An action of the audit trail: its code (the value), and its words in Japanese (``ja``) and English."""

    ja: str
    en: str

    def __new__(cls, code: str, ja: str = "", en: str = "") -> AuditAction:
        member = str.__new__(cls, code)
        member._value_ = code
        member.ja, member.en = ja, en
        return member

    ACTUAL_SET = "actual.set", "実績の入力", "Actual value entered"
    ACTUAL_CORRECT = "actual.correct", "実績の訂正", "Actual value corrected"
    ACTUAL_CONFLICT = "actual.conflict", "実績の競合（保存せず）", "Actual value conflict (not saved)"
    ACTUAL_COMPUTE = "actual.compute", "実績の自動計算", "Actual value computed"
    ACTUAL_RECOMPUTE = (
        "actual.recompute",
        "記録の変更による実績の再計算",
        "Actual value recomputed after its records changed",
    )
    ACTUAL_COMPUTE_YEAR = "actual.compute_year", "年度の KPI の一括計算", "Every bound KPI of a fiscal year computed"
    ACTUAL_ADOPT_COMPUTED = "actual.adopt_computed", "計算した実績の採用", "Computed value adopted"
    JUDGEMENT_SET = "judgement.set", "定性判定の入力", "Qualitative judgement entered"
    JUDGEMENT_CORRECT = "judgement.correct", "定性判定の訂正", "Qualitative judgement corrected"
    PERIOD_LOCK = "period.lock", "年度の確定", "Fiscal year locked"
    PERIOD_REOPEN = "period.reopen", "確定済み年度の再開", "Fiscal year reopened"
    EVALUATION_SETTINGS_SET = "evaluation_settings.set", "判定基準の変更", "Evaluation thresholds changed"
    PLAN_PUBLISH = "plan.publish", "計画の公開", "Plan published"
    PLAN_UNPUBLISH = "plan.unpublish", "計画の公開取り下げ", "Plan withdrawn"
    EVALUATION_PUBLISH = "evaluation.publish", "評価の公開", "Evaluation published"
    EVALUATION_UNPUBLISH = "evaluation.unpublish", "評価の公開取り下げ", "Evaluation withdrawn"
    PLAN_REVISION_CARRY_OVER = (
        "plan.revision_carry_over",
        "改訂版への実績の引き継ぎ",
        "Year's data carried over to a revision",
    )
    DOCUMENT_UPLOAD = "document.upload", "文書の取り込み（確認待ち）", "Document uploaded for review"
    DOCUMENT_UPLOAD_STORE = (
        "document.upload_store",
        "取り込んだ文書を下書きとして保存",
        "Uploaded document stored as a draft",
    )
    DOCUMENT_UPLOAD_DISCARD = "document.upload_discard", "取り込んだ文書の破棄", "Uploaded document discarded"
    COMMENT_CREATE = "comment.create", "推進会議のコメント", "Council comment"
    PROJECT_UPDATE = "project.update", "事業の変更", "Project changed"
    PROJECT_CONFLICT = "project.conflict", "事業の変更の競合（保存せず）", "Project edit conflict (not saved)"
    KPI_UPDATE_TARGET = "kpi.update_target", "KPI の目標の変更", "KPI target changed"
    KPI_CONFLICT = "kpi.conflict", "KPI の目標の変更の競合（保存せず）", "KPI target edit conflict (not saved)"
    COOPERATIVE_CREATE = "cooperative.create", "協調事業の追加", "Cooperative project added"
    COOPERATIVE_UPDATE = "cooperative.update", "協調事業の変更", "Cooperative project changed"
    COOPERATIVE_REMOVE = "cooperative.remove", "協調事業の削除", "Cooperative project removed"
    PARTNER_LINK_CONFIRM = "partner_link.confirm", "連携の確認", "Partner link confirmed"
    PARTNER_LINK_REMOVE = "partner_link.remove", "連携の取り消し", "Partner link removed"
    PARTNER_LINK_RESTORE = "partner_link.restore", "連携を候補に戻す", "Partner link back to suggested"
    DOCUMENT_INGEST = "document.ingest", "文書の取り込み", "Document ingested"
    MEASURE_BIND = "measure.bind", "KPI の測定方法の設定", "KPI measure set"
    CYCLE_OPEN = "cycle.open", "実績照会の開始", "Call for actuals opened"
    CYCLE_CHANGE = "cycle.change", "実績照会の変更", "Call for actuals changed"
    CYCLE_SUBMIT = "cycle.submit", "実績の提出", "Actuals submitted"
    CYCLE_WITHDRAW = "cycle.withdraw", "提出の取り消し", "Submission withdrawn"
    CYCLE_REMIND = "cycle.remind", "実績照会の督促", "Reminder sent"
    USER_CREATE = "user.create", "アカウントの作成", "Account created"
    USER_UPDATE = "user.update", "アカウントの変更", "Account changed"
    USER_DISABLE = "user.disable", "アカウントの無効化", "Account disabled"
    USER_ENABLE = "user.enable", "アカウントの有効化", "Account enabled"
    USER_RESET_PASSWORD = "user.reset_password", "パスワードの再設定", "Password reset"
    USER_CHANGE_PASSWORD = "user.change_password", "パスワードの変更", "Password changed"
    USER_PASSWORD_REHASH = "user.password_rehash", "パスワードの保存形式の更新", "Password hash upgraded"
    SESSION_LOGIN = "session.login", "ログイン", "Signed in"
    SESSION_LOGOUT = "session.logout", "ログアウト", "Signed out"
    TOKEN_CREATE = "token.create", "API トークンの発行", "API token created"
    TOKEN_REVOKE = "token.revoke", "API トークンの失効", "API token revoked"
    DATABASE_BACKUP = "database.backup", "バックアップ", "Backup"
    DATABASE_RESTORE = "database.restore", "復元", "Restore"
    WEB_PROPERTY_ADD = "web_property.add", "ウェブサイトの登録", "Website added"
    WEB_ANALYTICS_IMPORT = "web_analytics.import", "アクセス解析の取り込み", "Web analytics imported"
    WEB_ANALYTICS_REPLACE = "web_analytics.replace", "アクセス解析の差し替え", "Web analytics replaced"
    DIRECTORY_IMPORT = "directory.import", "企業名簿の取り込み", "Directory imported"
    DIRECTORY_EXPORT = "directory.export", "名簿の連絡先付き書き出し", "Directory exported with contacts"
    REGISTRY_ADD = "registry.add", "広報実績の追加", "Communications entry added"
    REGISTRY_IMPORT = "registry.import", "広報実績の取り込み", "Communications entries imported"
    REGISTRY_EXPORT = "registry.export", "広報実績の書き出し", "Communications entries exported"
    REGISTRY_EVIDENCE = (
        "registry.evidence",
        "広報実績の根拠ファイルの添付",
        "Evidence file attached to a communications entry",
    )
    RANKING_ADD = "ranking.add", "ランキングの順位の登録", "Ranking added"
    NEWSLETTER_ADD_ISSUE = "newsletter.add_issue", "メールマガジンの号の追加", "Newsletter issue added"
    NEWSLETTER_ADD_SURVEY = (
        "newsletter.add_survey",
        "メールマガジンの読者アンケートの作成",
        "Newsletter reader survey created",
    )
    SURVEY_CREATE = "survey.create", "アンケートの作成", "Survey created"
    SURVEY_RESPOND = "survey.respond", "アンケートへの回答", "Survey answered"
    EVENT_CREATE = "event.create", "イベントの作成", "Event created"
    EVENT_UPDATE = "event.update", "イベントの変更", "Event changed"
    EVENT_EXPORT_PERSONAL_DATA = (
        "event.export_personal_data",
        "参加者の個人情報の書き出し",
        "Participants' personal data exported",
    )
    EVENT_ERASE_PERSONAL_DATA = (
        "event.erase_personal_data",
        "参加者の個人情報の消去",
        "Participants' personal data erased",
    )
    EVENT_IMPORT_PARTICIPANTS = "event.import_participants", "参加者名簿の取り込み", "Participant list imported"
    EVENT_IMPORT_MEETINGS = "event.import_meetings", "商談・面談リストの取り込み", "Meeting list imported"
    SURVEY_IMPORT_RESPONSES = "survey.import_responses", "アンケート回答の取り込み", "Survey responses imported"
    SURVEY_IMPORT_MAPPING = "survey.import_mapping", "アンケート取り込みの対応付けの保存", "Survey import mapping saved"
    REGISTRATION_CREATE = "registration.create", "参加の申込", "Registration"
    REGISTRATION_CANCEL = "registration.cancel", "申込の取り消し", "Registration cancelled"
    REGISTRATION_OFFER = "registration.offer", "繰上げの案内", "Waiting-list place offered"
    REGISTRATION_OFFER_EXPIRED = "registration.offer_expired", "繰上げの期限切れ", "Waiting-list offer expired"
    REGISTRATION_ACCEPT = "registration.accept", "繰上げの承諾", "Waiting-list offer accepted"
    REGISTRATION_NO_SHOW = "registration.no_show", "欠席の記録", "No-show recorded"
    CHECKIN_ADD = "checkin.add", "来場の受付", "Check-in"
    PLATFORM_INSTITUTION_ADD = "platform.institution.add", "会員機関の登録", "Member institution added"
    LABSEARCH_IMPORT = "labsearch.import", "研究機器の一覧の取り込み", "Equipment list imported"
    LABSEARCH_UPLOAD = (
        "labsearch.upload",
        "研究機器の一覧のアップロード（取り込み前の確認）",
        "Equipment list uploaded for preview",
    )
    PLATFORM_CASE_OPEN = "platform.case.open", "相談の受付", "Consultation opened"
    PLATFORM_CASE_VIEW = "platform.case.view", "相談内容の閲覧", "Consultation viewed"
    PLATFORM_CASE_ACTIVITY = "platform.case.activity", "相談の対応記録", "Consultation activity recorded"
    PLATFORM_CASE_CHANGE = "platform.case.change", "相談の変更", "Consultation changed"
    PLATFORM_SEED_ADD = "platform.seed.add", "シーズの登録", "Seed added"
    PLATFORM_NEED_ADD = "platform.need.add", "ニーズの登録", "Need added"
    PLATFORM_MATCH_DECIDE = "platform.match.decide", "マッチングの判断", "Match decided"
    PLATFORM_INTERVIEW_SCHEDULE = "platform.interview.schedule", "面談の予定", "Interview scheduled"
    PLATFORM_INTERVIEW_STATUS = "platform.interview.status", "面談の状況の変更", "Interview status changed"
    PLATFORM_INTERVIEW_VIEW = "platform.interview.view", "面談記録の閲覧", "Interview viewed"
    PLATFORM_ATTACHMENT_VIEW = (
        "platform.attachment.view",
        "相談の添付ファイルの閲覧",
        "Consultation attachment downloaded",
    )
