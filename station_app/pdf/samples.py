"""Sample documents (invented people, sample data) for previews, docs and tests.

Windows and phones of the 代收件 example are the real 全市通办 windows of seed 004 attachment 1.
"""

from __future__ import annotations

import datetime as dt

from .model import (
    ApplicantInfo,
    CollectionRouting,
    DocumentKind,
    MissingMaterial,
    PrintDocument,
    ReceivedMaterial,
    Section,
    StationInfo,
)

STATION = StationInfo(
    name="西安市雁塔区电子城街道丈八东路社区便民服务站",
    address="雁塔区丈八东路社区党群服务中心一层",
    phone="029-81160083",
    hours="周一至周五 9:00-17:00",
)
APPLICANT = ApplicantInfo(
    name="王秀兰",
    id_type="居民身份证",
    id_number_masked="610113********2148",
    phone_masked="139****5627",
)
DAY = dt.date(2026, 11, 23)
CASE = "261123-007-00421"


def acceptance(*, provisional: bool = True) -> PrintDocument:
    return PrintDocument(
        kind=DocumentKind.ACCEPTANCE,
        document_number="雁电丈受〔2026〕第0421号",
        case_number=CASE,
        station=STATION,
        applicant=APPLICANT,
        bundle_name="出生一件事",
        items=("出生医学证明", "新生儿户口登记", "城乡居民医疗保险参保登记", "预防接种证"),
        issued_on=DAY,
        worker="李建军",
        received=(
            ReceivedMaterial("父母双方居民身份证", 2, 2, "已核验原件"),
            ReceivedMaterial("居民户口簿", 1, 1, "已核验原件"),
            ReceivedMaterial("结婚证", 0, 0, "数据共享"),
            ReceivedMaterial("出生医学证明（首次签发）", 1, 1, "已核验原件"),
            ReceivedMaterial("新生儿照片（近期免冠一寸）", 0, 0, "容缺后补", due=dt.date(2026, 11, 30)),
            ReceivedMaterial("无违法生育承诺书", 0, 0, "告知承诺"),
        ),
        promised_date=dt.date(2027, 1, 5),
        promised_provisional=provisional,
        promised_text="7个工作日",
        sections=(
            Section(
                "",
                (
                    "您于2026年11月23日提交的申请，经审查，申请材料齐全、符合法定形式"
                    "（容缺材料按期补交），本站予以受理。",
                    "容缺后补的材料请于补交期限前送达本站，逾期未补交的，将按规定终止办理。",
                ),
            ),
        ),
    )


def collection() -> PrintDocument:
    return PrintDocument(
        kind=DocumentKind.COLLECTION,
        document_number="雁电丈代〔2026〕第0058号",
        case_number="261123-007-00422",
        station=STATION,
        applicant=ApplicantInfo("赵德明", "居民身份证", "610402********0512", "186****3301"),
        items=("就业困难人员认定",),
        issued_on=DAY,
        worker="李建军",
        received=(
            ReceivedMaterial("居民身份证", 1, 1, "已核验原件"),
            ReceivedMaterial("就业创业证", 1, 1, "已核验原件"),
            ReceivedMaterial("就业困难人员认定申请表", 1, 0, "已核验原件"),
        ),
        routing=CollectionRouting(
            jurisdiction="阎良区",
            window="阎良区政务服务中心4层民生事务区D16窗口",
            window_phone="029-86868920",
            result_pickup="办结后由业务属地通办窗口邮寄送达，或由申请人到本站、阎良区政务服务中心领取",
        ),
        promised_date=dt.date(2026, 12, 8),
        promised_text="10个工作日，自属地窗口收件起算",
        sections=(
            Section(
                "",
                (
                    "您申请办理的事项业务属地为阎良区。本站已对申请材料进行形式审查、身份核验，"
                    "并制作电子材料留存，现代为收件，申请材料将通过“西安市全市通办平台”推送、"
                    "纸质材料通过邮政快递寄递至业务属地通办窗口办理。",
                ),
            ),
        ),
    )


def one_time_notice() -> PrintDocument:
    return PrintDocument(
        kind=DocumentKind.ONE_TIME_NOTICE,
        document_number="雁电丈告〔2026〕第0137号",
        case_number="261123-007-00423",
        station=STATION,
        applicant=ApplicantInfo("陈志远", "居民身份证", "610103********3716", "135****0921"),
        items=("城乡居民养老保险参保登记",),
        issued_on=DAY,
        worker="李建军",
        received=(ReceivedMaterial("居民身份证", 1, 1, "已核验原件"),),
        missing=(
            MissingMaterial(
                "居民户口簿",
                "未提供",
                "携带户口簿原件到本站核验，或授权通过数据共享调取",
                1,
                1,
            ),
            MissingMaterial(
                "城乡居民基本养老保险参保登记表",
                "表格第3项“参保地”未填写，申请人未签字",
                "补填后本人签字；空白表格可在本站领取",
                1,
                0,
            ),
        ),
        sections=(
            Section(
                "",
                (
                    "您于2026年11月23日申请办理上述事项，经审查，申请材料不齐全或者不符合法定形式。"
                    "现将需要补正的全部内容一次性告知如下，请补正后再次提交。",
                ),
            ),
        ),
    )


def refusal() -> PrintDocument:
    return PrintDocument(
        kind=DocumentKind.REFUSAL,
        document_number="雁电丈不〔2026〕第0009号",
        case_number="261123-007-00424",
        station=STATION,
        applicant=ApplicantInfo("刘建华", "居民身份证", "610125********4433", "133****7788"),
        items=("临时救助申请",),
        issued_on=DAY,
        worker="李建军",
        reason="申请人户籍及经常居住地均不在本街道辖区，依据《社会救助暂行办法》第四十九条，"
        "申请事项不属于本机关职权范围，请向户籍所在地乡镇人民政府（街道办事处）提出申请。",
        sections=(
            Section(
                "",
                ("您于2026年11月23日提出的申请，经审查，决定不予受理。理由如下：",),
            ),
        ),
    )


def long_materials(count: int = 36) -> PrintDocument:
    """A 受理凭证 with ``count`` materials and very long names, to exercise wrapping and page breaks."""
    base = acceptance()
    hows = ("已核验原件", "数据共享", "告知承诺", "容缺后补")
    received = tuple(
        ReceivedMaterial(
            f"第{i}项：建设工程规划许可证附图及附件（含总平面图、各层平面图、立面图、剖面图）"
            f"经设计单位盖章确认的复印件{'及其补充说明材料' * (i % 3)}",
            i % 3,
            1 + i % 2,
            hows[i % 4],
            due=dt.date(2026, 12, 1) if i % 4 == 3 else None,
        )
        for i in range(1, count + 1)
    )
    return PrintDocument(
        kind=base.kind,
        document_number=base.document_number,
        case_number="261123-007-00425",
        station=StationInfo(
            name="西安市雁塔区电子城街道丈八东路社区便民服务站（“全市通办”综合窗口、帮办代办服务点）",
            address=STATION.address,
            phone=STATION.phone,
        ),
        applicant=ApplicantInfo(
            "西安市雁塔区丈八东路社区居民委员会下属社区综合服务有限公司（申请人名称很长的示例）",
            "统一社会信用代码",
            "91610113********7X",
            "029-8888****",
            agent="张某某（受托代理人，居民身份证610113********1234）",
        ),
        items=("小超市开办一件事：营业执照、食品经营许可证、公共场所卫生许可证、烟草专卖零售许可证",),
        issued_on=base.issued_on,
        worker="李建军",
        received=received,
        promised_date=base.promised_date,
        promised_provisional=True,
        promised_text="7个工作日",
    )


ALL = {
    "acceptance": acceptance,
    "collection": collection,
    "one_time_notice": one_time_notice,
    "refusal": refusal,
    "long_materials": long_materials,
}
