"""The closed vocabularies of the contract (CONTRACT.md), with the Chinese terms accepted as aliases.

Identifiers are English snake_case; every enum also accepts its Chinese term on input. The order
of each tuple is meaningful where the contract orders the values (forms, sanctions, severities).
"""

from __future__ import annotations

TRACKS = ("primary", "supervisory", "direct")

PRIMARY_TIERS = ("city", "department", "township", "enterprise", "village")
SUPERVISORY_TIERS = ("city_discipline", "stationed_group", "township_discipline", "village_supervision")
TIERS = PRIMARY_TIERS + SUPERVISORY_TIERS

POSTS = (
    "secretary", "deputy_secretary", "member", "discipline_secretary", "discipline_member",
    "vsc_chair", "vsc_member", "staff",
)
# The principal post of a unit: who answers as 第一责任人 (party units) or heads the discipline body.
HEAD_POSTS = ("secretary", "discipline_secretary", "vsc_chair")
MEMBER_POSTS = ("deputy_secretary", "member", "discipline_member", "vsc_member")

LAPSE_KINDS = (
    # primary side
    "plan_perfunctory", "summary_perfunctory", "self_report_perfunctory", "deployment_lacking",
    "risk_prevention_weak", "warning_education_missing", "pressure_not_transmitted",
    "rectification_perfunctory", "accountability_not_pursued", "cadre_selection_lapse",
    # supervisory side
    "supervision_perfunctory", "clue_shelved", "sanction_not_executed", "dual_signature_missing",
    "disclosure_unsupervised",
    # either side: the rules decide by the post and unit
    "problem_not_detected", "problem_not_reported", "falsified_records",
)
VIOLATION_KINDS = (
    "misappropriation", "bribery", "banquet", "public_funds_travel", "public_funds_dining", "gifts",
    "gambling", "small_treasury", "benefit_fraud", "other",
)
SEVERITIES = ("minor", "serious", "major")

CIRCUMSTANCE_KINDS = (
    "opposed_on_record", "reform_trial_error", "force_majeure",
    "remedied_loss", "cooperated", "self_reported",
    "obstructed", "falsified", "ignored_repeated_orders", "repeat_offence",
)
CIRCUMSTANCE_EFFECTS = ("exempt", "lighter", "heavier")

GRADES = ("overall_leadership", "principal_leadership", "important_leadership", "supervisory", "direct")
OUTCOMES = ("accountable", "exempt", "undetermined")

PERSON_FORMS = ("talk", "criticism", "written_self_criticism", "notice", "admonition", "organizational",
                "disciplinary")
UNIT_FORMS = ("inspection", "notice", "reorganization")
SANCTIONS = ("warning", "serious_warning", "removal_from_party_posts", "probation", "expulsion")
MEASURES = ("removal_from_post", "rectification_deadline", "case_referral", "demotion", "change_of_post",
            "suspension_for_examination", "ordered_resignation")

# Who a rule's subject is, relative to the lapse (see engine/resolve.py for the exact meaning).
RELATIONS = (
    "unit", "unit_head", "area_member", "other_member", "named_person", "parent_area_member",
    "supervising_body", "supervising_head", "violator",
)

# Common facts (CONTRACT.md §3a) and their types; a rulebook may only test declared facts, so the
# engine never compares values of the wrong type (durable_rules compares '9' > 10 as true).
COMMON_FACTS: dict[str, str | tuple[str, ...]] = {
    "amount": "number", "count": "integer", "years": "number", "people": "integer",
    "days_overdue": "integer", "repeated": "boolean",
    "copied_from": ("previous_year", "peer", "template"),
    "similarity": "ratio",
    "consequence": ("none", "bad_influence", "serious_loss", "major_loss"),
    "reported": "boolean", "falsified": "boolean",
}

ALIASES: dict[str, dict[str, str]] = {
    "tier": {
        "市": "city", "市委": "city", "市级部门": "department", "部门": "department", "乡镇": "township",
        "街道": "township", "乡镇(街道)": "township", "企事业单位": "enterprise", "产业园区": "enterprise",
        "村": "village", "社区": "village", "村(社区)": "village", "市纪委监委": "city_discipline",
        "派驻纪检监察组": "stationed_group", "派驻组": "stationed_group", "乡镇纪委": "township_discipline",
        "乡镇(街道)纪(工)委": "township_discipline", "村务监督委员会": "village_supervision",
        "村监委": "village_supervision", "村级纪检组织": "village_supervision",
    },
    "post": {
        "书记": "secretary", "主要负责人": "secretary", "副书记": "deputy_secretary", "班子成员": "member",
        "委员": "member", "纪委书记": "discipline_secretary", "纪工委书记": "discipline_secretary",
        "纪检组长": "discipline_secretary", "纪委委员": "discipline_member", "纪检委员": "discipline_member",
        "村务监督委员会主任": "vsc_chair", "村监委主任": "vsc_chair", "村务监督委员会委员": "vsc_member",
        "村监委委员": "vsc_member", "工作人员": "staff", "出纳": "staff", "会计": "staff",
    },
    "lapse": {
        "工作计划敷衍应付": "plan_perfunctory", "工作总结敷衍应付": "summary_perfunctory",
        "述责述廉敷衍应付": "self_report_perfunctory", "工作整体安排不够": "deployment_lacking",
        "防范廉政风险意识不强": "risk_prevention_weak", "廉政警示教育未常态化": "warning_education_missing",
        "压力传导不到位": "pressure_not_transmitted", "整改敷衍": "rectification_perfunctory",
        "该问责不问责": "accountability_not_pursued", "选人用人把关不严": "cadre_selection_lapse",
        "监督检查走过场": "supervision_perfunctory", "压案不查": "clue_shelved",
        "处分决定未执行": "sanction_not_executed", "双签字缺失": "dual_signature_missing",
        "村务公开未监督": "disclosure_unsupervised", "应发现未发现": "problem_not_detected",
        "发现问题不报告不处置": "problem_not_reported", "弄虚作假": "falsified_records",
    },
    "violation": {
        "挪用": "misappropriation", "侵占": "misappropriation", "受贿": "bribery", "行贿": "bribery",
        "违规操办婚丧喜庆": "banquet", "公款旅游": "public_funds_travel", "公款吃喝": "public_funds_dining",
        "违规收送礼品礼金": "gifts", "赌博": "gambling", "私设小金库": "small_treasury",
        "套取惠民补贴": "benefit_fraud", "其他": "other",
    },
    "severity": {"一般": "minor", "较重": "serious", "严重": "major"},
    "circumstance": {
        "明确反对并记录在案": "opposed_on_record", "改革探索失误": "reform_trial_error",
        "不可抗力": "force_majeure", "挽回损失": "remedied_loss", "积极配合": "cooperated",
        "主动交代": "self_reported", "干扰阻碍调查": "obstructed", "弄虚作假": "falsified",
        "三令五申": "ignored_repeated_orders", "屡犯": "repeat_offence",
    },
}

# Labels for reports. Decisions never depend on them.
LABELS: dict[str, str] = {
    "primary": "主体责任", "supervisory": "监督责任", "direct": "直接责任",
    "city": "市委、市政府", "department": "市级部门党委(党组)", "township": "乡镇(街道)党委",
    "enterprise": "企事业单位、产业园区党委(党组)", "village": "村(社区)党组织",
    "city_discipline": "市纪委监委", "stationed_group": "派驻纪检监察组",
    "township_discipline": "乡镇(街道)纪(工)委", "village_supervision": "村务监督委员会",
    "secretary": "书记", "deputy_secretary": "副书记", "member": "班子成员",
    "discipline_secretary": "纪委书记/纪检组长", "discipline_member": "纪委委员", "vsc_chair": "村监委主任",
    "vsc_member": "村监委委员", "staff": "工作人员",
    "overall_leadership": "全面领导责任", "principal_leadership": "主要领导责任",
    "important_leadership": "重要领导责任", "direct_grade": "直接责任",
    "accountable": "应予问责", "exempt": "免予问责", "undetermined": "待定（事实不足）",
    "talk": "谈话提醒", "criticism": "批评教育", "written_self_criticism": "责令书面检查",
    "notice": "通报批评", "admonition": "诫勉", "organizational": "组织调整或组织处理",
    "disciplinary": "纪律处分", "inspection": "责令检查", "reorganization": "改组",
    "warning": "党内警告", "serious_warning": "党内严重警告", "removal_from_party_posts": "撤销党内职务",
    "probation": "留党察看", "expulsion": "开除党籍",
    "removal_from_post": "免职", "rectification_deadline": "限期整改", "case_referral": "移送审查调查",
    "demotion": "降职", "change_of_post": "调整职务", "suspension_for_examination": "停职检查",
    "ordered_resignation": "责令辞职",
}
for _group in ("lapse", "violation", "circumstance"):
    for _zh, _en in ALIASES[_group].items():
        LABELS.setdefault(_en, _zh)
