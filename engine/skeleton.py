"""`duidan new case`: a commented case file to start from. It is itself a valid case (tested): fill
it in, then `duidan evaluate` it. The vocabulary: `duidan vocab`; the full schema: `duidan schema case`."""

SKELETON = """\
# duidan case file (对单案件). Keys are English; enum values may be written in Chinese too
# (duidan vocab KIND lists every id with its Chinese names). Dates: YYYY-MM-DD.
schema: duidan/case/v1
case:
  id: CASE-0001                 # unique; no spaces or slashes
  title: 案件名称
  # reviewed_on: 2024-06-30     # the review date; default: the latest date in the file

units:                          # every unit the case refers to
  - id: town                    # tier: city, department, township, enterprise, village,
    name: 某镇党委               #   city_discipline, stationed_group, township_discipline, village_supervision
    tier: township
    supervisor: town-jw         # the discipline body supervising it (optional)
  - id: town-jw
    name: 某镇纪委
    tier: township_discipline
    parent: town

people:                         # post: secretary, deputy_secretary, member, discipline_secretary,
  - id: p1                      #   discipline_member, vsc_chair, vsc_member, staff
    name: 张某
    unit: town
    post: secretary
    from: 2020-01-01            # in post from (optional) ...
    # to: 2023-12-31            # ... and until (optional)
  - id: p2
    name: 李某
    unit: town
    post: member
    portfolio: [finance]        # areas this member is in charge of (分管领域)
  - id: p3
    name: 王某
    unit: town-jw
    post: discipline_secretary

findings:                       # lapses of a unit (duidan vocab lapse)
  - id: F1
    kind: plan_perfunctory      # 工作计划敷衍应付
    unit: town
    date: 2024-02-28            # when it happened (the end of the period)
    # from: 2024-01-01          # the start of the period (optional)
    area: finance               # the area it concerns (optional): finds the member in charge
    persons: []                 # people named as responsible (ids from people:)
    facts: {copied_from: peer}  # duidan vocab fact lists the facts and their types
    description: 年度工作计划照抄邻镇

violations: []                  # a person's own violations: {id, person, kind, severity, date}
circumstances: []               # {subject: unit or person id, kind: (duidan vocab circumstance)}
"""


def case_skeleton() -> str:
    return SKELETON
