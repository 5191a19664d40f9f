"""Sample documents (invented people; sample data) for previews, docs and tests.

They have the shape ``casework.documents`` builders give (same section titles and field labels). The
代收件 example uses a real 全市通办 window and phone from seed 004 attachment 1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from casework.documents import CaseDocument, DocumentKind, Section, document_number

STATION = "西安市雁塔区电子城街道丈八东路社区便民服务站"
DAY = dt.date(2026, 11, 23)
WORKER = "李建军"


def _footer(station: str = STATION) -> Section:
    return Section(station, (("地址", "雁塔区丈八东路社区党群服务中心一层"), ("电话", "029-81160083")))


def _applicant(name: str, id_masked: str, phone: str) -> Section:
    return Section(
        "申请人信息",
        (("申请人", name), ("证件类型", "居民身份证"), ("证件号码", id_masked), ("联系电话", phone)),
    )


def _doc(
    kind: DocumentKind,
    case_number: str,
    sections: list[Section],
    *,
    provisional: bool = False,
    station: str = STATION,
) -> CaseDocument:
    return CaseDocument(
        kind,
        document_number(kind, case_number),
        case_number,
        station,
        WORKER,
        DAY,
        (*sections, _footer(station)),
        provisional,
    )


def acceptance(*, provisional: bool = True) -> CaseDocument:
    """受理凭证 of a 出生一件事 bundle with 容缺, 告知承诺 and 数据共享 materials, provisional date."""
    promise = "2027年01月05日" + ("（暂定，以当年节假日安排为准）" if provisional else "")
    return _doc(
        DocumentKind.RECEIPT,
        "261123-007-00421",
        [
            Section(
                "申请事项",
                (
                    ("一件事", "出生一件事"),
                    ("办理事项", "出生医学证明（区卫生健康局）"),
                    ("办理事项", "新生儿户口登记（市公安局雁塔分局）"),
                    ("办理事项", "城乡居民医疗保险参保登记（区医疗保障局）"),
                    ("办理事项", "预防接种证（区疾病预防控制中心）"),
                ),
            ),
            _applicant("王秀兰", "6101**********2148", "139****5627"),
            Section(
                "已收材料",
                table=(
                    ("序号", "材料名称", "提交方式"),
                    ("1", "父母双方居民身份证", "原件已核验，扫描4页"),
                    ("2", "居民户口簿", "原件已核验，扫描2页"),
                    ("3", "结婚证", "数据共享获取"),
                    ("4", "出生医学证明（首次签发）", "原件已核验，扫描1页"),
                    ("5", "新生儿照片（近期免冠一寸）", "容缺后补（2026年11月30日前补交）"),
                    ("6", "无违法生育承诺书", "告知承诺"),
                ),
            ),
            Section(
                "办理时限",
                (("承诺办结日期", promise),),
                paragraphs=(
                    f"您的申请已于2026年11月23日受理，承诺办结日期：{promise}。",
                    "以下容缺材料请按期补交，逾期未补交的，将按规定处理：容缺后补（2026年11月30日前补交）"
                    "新生儿照片（近期免冠一寸）",
                    "您已作出告知承诺，请确保承诺内容真实；承诺不实的，将依法撤销相关决定并记入信用记录。",
                ),
            ),
            Section("结果领取", (("领取方式", "窗口领取"),)),
        ],
        provisional=provisional,
    )


def collection() -> CaseDocument:
    """代收件通知书: collected here for 阎良区 (real window of seed 004 attachment 1)."""
    return _doc(
        DocumentKind.COLLECTION_NOTICE,
        "261123-007-00422",
        [
            Section(
                "申请事项",
                (("办理事项", "就业困难人员认定（阎良区人力资源和社会保障局）"), ("业务属地", "阎良区")),
            ),
            _applicant("赵德明", "6104**********0512", "186****3301"),
            Section(
                "已收材料",
                table=(
                    ("序号", "材料名称", "提交方式"),
                    ("1", "居民身份证", "原件已核验，扫描2页"),
                    ("2", "就业创业证", "原件已核验，扫描3页"),
                    ("3", "就业困难人员认定申请表", "原件已核验，扫描1页"),
                ),
            ),
            Section(
                "通办窗口",
                (
                    ("业务受理通办窗口", STATION),
                    ("业务属地", "阎良区"),
                    ("属地通办窗口", "阎良区政务服务中心4层民生事务区D16窗口"),
                    ("属地窗口电话", "029-86868920"),
                ),
            ),
            Section(
                "办理说明",
                (("代收日期", "2026年11月23日"), ("办结时限", "2026年12月08日")),
                paragraphs=(
                    "本窗口已对您的申请材料进行形式审查和身份核验，并扫描留存电子材料。",
                    "电子材料通过全市通办平台推送至业务属地通办窗口，纸质材料通过邮政快递寄递移交。",
                    "业务属地通办窗口收到申请材料之日起计为受理开始，办理时限自该日起计算。",
                    "办理过程中如需补齐补正或退件，由业务属地通办窗口通知您。",
                ),
            ),
            Section("结果领取", (("领取方式", "邮寄送达"), ("地址", "西安市雁塔区丈八东路**号**小区*号楼"))),
        ],
    )


def one_time_notice() -> CaseDocument:
    return _doc(
        DocumentKind.ONE_TIME_NOTICE,
        "261123-007-00423",
        [
            Section("申请事项", (("办理事项", "城乡居民养老保险参保登记（区社会保险经办中心）"),)),
            _applicant("陈志远", "6101**********3716", "135****0921"),
            Section(
                "已收材料",
                table=(
                    ("序号", "材料名称", "提交方式"),
                    ("1", "居民身份证", "原件已核验，扫描2页"),
                ),
            ),
            Section(
                "需补齐补正的材料",
                table=(
                    ("序号", "材料名称", "原因", "补正方式"),
                    ("1", "居民户口簿", "未提供", "携带户口簿原件到任一服务站核验，或授权通过数据共享调取"),
                    (
                        "2",
                        "城乡居民基本养老保险参保登记表",
                        "第3项“参保地”未填写，申请人未签字",
                        "补填后本人签字；空白表格可在服务站领取或在政务服务网下载",
                    ),
                ),
            ),
            Section(
                "告知事项",
                paragraphs=(
                    "您申请办理的“城乡居民养老保险参保登记”，申请材料不齐全或不符合法定形式。"
                    "现将需要补齐补正的全部材料一次性告知如上。",
                    "请按上述要求准备材料后再次到任一服务站提交，已提交的材料无需重复提交。",
                    "咨询电话：029-81160083",
                ),
            ),
        ],
    )


def refusal() -> CaseDocument:
    return _doc(
        DocumentKind.REFUSAL_NOTICE,
        "261123-007-00424",
        [
            Section("申请事项", (("办理事项", "临时救助申请（电子城街道办事处）"),)),
            _applicant("刘建华", "6101**********4433", "133****7788"),
            Section("已收材料", paragraphs=("无",)),
            Section(
                "不予受理决定",
                (("决定日期", "2026年11月23日"),),
                paragraphs=(
                    "您申请办理的“临时救助申请”，经审查，决定不予受理。",
                    "理由：申请人户籍及经常居住地均不在本街道辖区，申请事项不属于本机关职权范围，"
                    "请向户籍所在地乡镇人民政府（街道办事处）提出申请。",
                    "您提交的材料原件已退还。",
                ),
            ),
            Section(
                "救济途径",
                paragraphs=(
                    "如对本决定不服，可以自收到本通知书之日起六十日内向雁塔区人民政府申请行政复议，"
                    "或者自收到本通知书之日起六个月内依法向有管辖权的人民法院提起行政诉讼。",
                ),
            ),
        ],
    )


def long_materials(count: int = 36) -> CaseDocument:
    """A 受理凭证 with ``count`` materials, very long names, long station/applicant names and a
    provisional date: exercises wrapping, page breaks and repeated table headers."""
    hows = ("原件已核验，扫描3页", "数据共享获取", "告知承诺", "容缺后补（2026年12月01日前补交）")
    rows = [
        (
            str(i),
            f"建设工程规划许可证附图及附件（含总平面图、各层平面图、立面图、剖面图）第{i}册"
            f"经设计单位盖章确认的复印件{'及其补充说明材料' * (i % 3)}",
            hows[i % 4],
        )
        for i in range(1, count + 1)
    ]
    station = "西安市雁塔区电子城街道丈八东路社区便民服务站“全市通办”综合窗口暨帮办代办服务点（示例长名称）"
    return _doc(
        DocumentKind.RECEIPT,
        "261123-007-00425",
        [
            Section(
                "申请事项",
                (
                    ("一件事", "开小超市一件事"),
                    ("办理事项", "营业执照（市场监督管理局）"),
                    ("办理事项", "食品经营许可证（仅销售预包装食品备案除外）（市场监督管理局）"),
                    ("办理事项", "公共场所卫生许可证（卫生健康局）"),
                    ("办理事项", "烟草专卖零售许可证（烟草专卖局）"),
                ),
            ),
            Section(
                "申请人信息",
                (
                    (
                        "申请人",
                        "西安市雁塔区丈八东路社区居民委员会下属社区综合服务有限公司（申请人名称很长的示例）",
                    ),
                    ("证件类型", "统一社会信用代码"),
                    ("证件号码", "9161**********017X"),
                    ("联系电话", "029-8888****"),
                    ("法定代表人", "张某某"),
                    ("代理人", "李某某（帮办代办员）"),
                    ("代理人证件号码", "6101**********1234"),
                    ("与申请人关系", "受托代理"),
                ),
            ),
            Section("已收材料", table=(("序号", "材料名称", "提交方式"), *rows)),
            Section("办理时限", (("承诺办结日期", "2027年01月05日（暂定，以当年节假日安排为准）"),)),
            Section("结果领取", (("领取方式", "窗口领取"),)),
        ],
        provisional=True,
        station=station,
    )


ALL: dict[str, Callable[[], CaseDocument]] = {
    "acceptance": acceptance,
    "collection": collection,
    "one_time_notice": one_time_notice,
    "refusal": refusal,
    "long_materials": long_materials,
}
