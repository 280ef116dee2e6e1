"""Write a small county primary responsibility list as a published table, for the README walk-through.

    python scripts/make_county_list.py county-primary.xlsx   # or .docx, .csv

The table is laid out the way such lists are published: a header row (层级, 岗位, 序号, 责任内容,
依据), the 层级 cell merged down over its rows, and 序号 counting the duties of each post.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

HEADER = ["层级", "岗位", "序号", "责任内容", "依据"]
ROWS = [
    ["乡镇（街道）党委", "领导班子", "1", "每年至少召开2次党委会专题研究党风廉政建设，年初印发工作要点并分解到各村。", "问责条例(2019) 第7条"],
    ["乡镇（街道）党委", "领导班子", "2", "集体研究巡察、审计反馈问题整改方案，逐项销号；对失职失责的依规启动问责。", "问责条例(2019) 第7条第8项"],
    ["乡镇（街道）党委", "党委书记", "1", "亲自审定年度工作计划和工作总结，不得以转发文件代替部署。", "问责条例(2019) 第7条第5项"],
    ["乡镇（街道）党委", "党委书记", "2", "对巡察、审计反馈问题整改负第一责任，亲自督办整改销号。", "问责条例(2019) 第7条第8项"],
    ["乡镇（街道）党委", "班子成员", "1", "对分管领域的违纪违法问题及时发现、及时制止、及时报告。", "问责条例(2019) 第7条第8项"],
    ["乡镇（街道）党委", "班子成员", "2", "督促分管领域排查廉政风险、开展警示教育。", "关于实行党风廉政建设责任制的规定(2010) 第6条"],
]


def write(path: Path) -> None:
    if path.suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows([HEADER, *ROWS])
    elif path.suffix == ".docx":
        import docx

        doc = docx.Document()
        table = doc.add_table(rows=1 + len(ROWS), cols=len(HEADER))
        for j, h in enumerate(HEADER):
            table.cell(0, j).text = h
        for i, row in enumerate(ROWS, start=1):
            for j, v in enumerate(row[1:], start=1):
                table.cell(i, j).text = v
        table.cell(1, 0).merge(table.cell(len(ROWS), 0)).text = ROWS[0][0]
        doc.save(str(path))
    else:
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.append(HEADER)
        for i, row in enumerate(ROWS):
            ws.append([row[0] if i == 0 else None, *row[1:]])
        ws.merge_cells(start_row=2, start_column=1, end_row=1 + len(ROWS), end_column=1)
        wb.save(str(path))


if __name__ == "__main__":
    write(Path(sys.argv[1] if len(sys.argv) > 1 else "county-primary.xlsx"))
