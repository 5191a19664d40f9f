"""Hand-written community-level items (社区高频事项) and 一件事 bundles for the sample catalog.

SAMPLE DATA. The item names, departments, legal bases and the bundles' composition follow real practice
and the seeds (seed 002: 出生一件事, 开小超市 19→7 working days; seed 003: 阎良区 life-cycle items), but the
guide details (conditions, materials, limits, fees, places, phones) were written for this project and are
not copied from a published guide. Every item built from here carries ``"sample": true``.

``scripts/build_sample_catalog.py`` turns these dicts into catalog items: it adds 基本编码 / 实施编码 and the
departments' (synthetic) credit codes. Bundles refer to items by the short ``key`` given here. Codes
derive from list positions: append new items and departments at the end so published codes stay put.

Materials with the same ``code`` are the same document across items; that is what lets a bundle ask for
a material once (``Catalog.materials_for``).
"""

# ruff: noqa: E501  (a data file of Chinese prose; wrapping it would hurt more than it helps)
from __future__ import annotations

from typing import Any

DISTRICT_CODE = "610114"
DISTRICT_NAME = "阎良区"
JURISDICTION = "阎良区"

HOURS = "周一至周五 上午9:00-12:00,下午13:30-17:30(法定节假日除外)"
STATION_PLACE = "阎良区各街道便民服务中心、各社区便民服务站综合窗口"
HALL_PLACE = "阎良区政务服务中心综合受理窗口;各街道便民服务中心、社区便民服务站可代收"
CONSULT = "029-86868920"  # 阎良区政务服务中心“全市通办”窗口 (seed 004 attachment 1)
SUPERVISE = "12345"  # 12345 政务服务便民热线

# Departments: short key -> (实施主体 full name, 行使层级).
DEPARTMENTS: dict[str, tuple[str, int]] = {
    "民政": ("西安市阎良区民政局", 4),
    "人社": ("西安市阎良区人力资源和社会保障局", 4),
    "医保": ("西安市阎良区医疗保障局", 4),
    "卫健": ("西安市阎良区卫生健康局", 4),
    "残联": ("西安市阎良区残疾人联合会", 4),
    "公安": ("西安市公安局阎良分局", 4),
    "市场监管": ("西安市阎良区市场监督管理局", 4),
    "烟草": ("西安市烟草专卖局阎良分局", 4),
    "住建": ("西安市阎良区住房和城乡建设局", 4),
    "教育": ("西安市阎良区教育局", 4),
    "街道": ("西安市阎良区凤凰路街道办事处", 5),
}


def mat(code: str, name: str, **kw: Any) -> dict[str, Any]:
    """A material dict; unspecified fields take the model defaults (证件证书证明, 申请人自备, 纸质, 1 原件)."""
    return {"code": code, "name": name, **kw}


def variant(base: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """The same material (same code and name) as another item states it, e.g. with other counts."""
    return {**base, **kw}


def steps(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"name": n, "description": d} for n, d in pairs]


def days(amount: int, unit: str = "工作日") -> dict[str, Any]:
    return {"amount": amount, "unit": unit}


# ------------------------------------------------------------------------------------ shared materials

ID_CARD = mat(
    "M-SFZ",
    "居民身份证",
    originals=1,
    copies=1,
    acceptance_standard="在有效期内,与申请人本人一致;可出示电子身份证",
)
HOUSEHOLD = mat(
    "M-HKB",
    "居民户口簿",
    originals=1,
    copies=1,
    acceptance_standard="户主页和本人页齐全,信息与身份证一致",
    shared_data=True,
)
MARRIAGE = mat(
    "M-JHZ", "结婚证", originals=1, copies=1, acceptance_standard="夫妻双方信息清晰", shared_data=True
)
BIRTH_CERT = mat(
    "M-CSYXZM",
    "出生医学证明",
    source="政府部门核发",
    originals=1,
    copies=1,
    acceptance_standard="由助产机构签发,婴儿姓名已填写",
    shared_data=True,
)
PHOTO = mat(
    "M-ZP",
    "近期二寸免冠彩色照片",
    material_type="其他",
    originals=2,
    copies=0,
    acceptance_standard="白色背景,六个月内近照",
)
BANK_CARD = mat(
    "M-SBK",
    "社会保障卡或本人银行卡",
    originals=1,
    copies=1,
    necessity="容缺后补",
    acceptance_standard="户名为申请人本人,卡片已激活",
    note="缺少时可容缺受理,5个工作日内补交",
)
DEATH_CERT = mat(
    "M-SWZM",
    "居民死亡医学证明(推断)书",
    source="政府部门核发",
    originals=1,
    copies=1,
    acceptance_standard="由医疗卫生机构或公安机关出具",
    shared_data=True,
)
AGENT_PROOF = mat(
    "M-WTS",
    "授权委托书及代理人身份证",
    material_type="申请表格文书",
    originals=1,
    copies=1,
    necessity="非必要",
    blank_form="授权委托书(空白).docx",
    acceptance_standard="委托人签字或按手印,代理人持本人身份证",
    note="他人代办时提供",
)
INCOME_PLEDGE = mat(
    "M-SRCN",
    "家庭收入及财产状况说明",
    material_type="申请表格文书",
    necessity="必要",
    commitment_allowed=True,
    commitment_text="本人承诺所报家庭成员、收入及财产情况真实完整,同意民政部门进行家庭经济状况核对,"
    "如有隐瞒或虚报,愿退还所领救助金并承担相应法律责任。",
    acceptance_standard="列明全部共同生活家庭成员的收入、存款、房产、车辆",
)
CHECK_AUTH = mat(
    "M-HDSQ",
    "家庭经济状况核对授权书",
    material_type="申请表格文书",
    blank_form="家庭经济状况核对授权书(空白).pdf",
    sample_form="家庭经济状况核对授权书(样表).pdf",
    acceptance_standard="共同生活的成年家庭成员本人签字",
)
DISABILITY_CERT = mat(
    "M-CJRZ",
    "中华人民共和国残疾人证",
    source="政府部门核发",
    originals=1,
    copies=1,
    acceptance_standard="第二代智能化残疾人证,在有效期内",
    shared_data=True,
)
BUSINESS_LICENSE = mat(
    "M-YYZZ",
    "营业执照",
    source="政府部门核发",
    originals=1,
    copies=1,
    acceptance_standard="在有效期内,经营范围包含申请事项",
    shared_data=True,
)
PREMISES = mat(
    "M-CSZM",
    "经营场所使用证明",
    material_type="证件证书证明",
    originals=0,
    copies=1,
    commitment_allowed=True,
    commitment_text="本人承诺对所填报的经营场所享有合法使用权,如有虚假,愿承担由此产生的法律责任,"
    "登记机关可依法撤销登记。",
    acceptance_standard="房产证、租赁合同或村(社区)出具的场所证明",
)
RETIREE_FILE = mat(
    "M-DA",
    "职工本人档案",
    source="其他",
    originals=1,
    copies=0,
    acceptance_standard="由存档单位或人才交流中心提供,出生日期、参加工作时间记载完整",
)


def field(key: str, label: str, label_en: str, kind: str = "text", **kw: Any) -> dict[str, Any]:
    """One 表单字段 in catalog-JSON shape (see casework.formfields)."""
    base: dict[str, Any] = {
        "key": key,
        "label": label,
        "label_en": label_en,
        "kind": kind,
        "required": True,
        "choices": [],
        "past_only": False,
        "hint": "",
    }
    base.update(kw)
    return base


def eligible(
    min_age: int | None = None,
    max_age: int | None = None,
    sex: str | None = None,
    areas: tuple[str, ...] = (),
) -> dict[str, Any]:
    """An item's simple 申请条件, read from the applicant's 居民身份证号码."""
    return {"min_age": min_age, "max_age": max_age, "sex": sex, "area_prefixes": list(areas)}


# 出生一件事: the newborn's facts, asked once on the bundle's one form; each item takes those it needs.
NEWBORN_NAME = field("newborn_name", "新生儿姓名", "Newborn's name")
NEWBORN_SEX = field("newborn_sex", "新生儿性别", "Newborn's sex", "choice", choices=["男", "女"])
NEWBORN_BIRTH_DATE = field(
    "newborn_birth_date", "出生日期", "Date of birth", "date", past_only=True, hint="如 2026-01-31"
)
NEWBORN_BIRTH_PLACE = field(
    "newborn_birth_place", "出生地点(助产机构)", "Place of birth (maternity hospital)", "address"
)
BIRTH_CERT_NO = field(
    "birth_certificate_no",
    "出生医学证明编号",
    "Medical birth certificate number",
    hint="证明右上角的字母和数字",
)
MOTHER = field("mother", "母亲", "Mother", "person")
FATHER = field("father", "父亲", "Father", "person", required=False, hint="非婚生育的可不填")
HUKOU_ADDRESS = field("hukou_address", "申报户口地址", "Address of household registration", "address")
INSURANCE_CHOICE = field(
    "insurance_choice",
    "医保缴费档次",
    "Medical insurance contribution level",
    "choice",
    choices=["一档", "二档"],
)


def form(code: str, name: str, **kw: Any) -> dict[str, Any]:
    """An item's own application form (申请表格文书), with blank and sample references."""
    return mat(
        code,
        name,
        material_type="申请表格文书",
        originals=1,
        copies=0,
        blank_form=f"{name}(空白).pdf",
        sample_form=f"{name}(样表).pdf",
        acceptance_standard="填写完整,申请人签字或按手印",
        **kw,
    )


STANDARD_STEPS = steps(
    ("申请", "申请人到社区便民服务站或街道便民服务中心提交申请材料,也可网上申请"),
    ("受理", "窗口人员当场核对材料;材料不全的一次性告知需补正的全部内容"),
    ("审核", "业务部门审核材料,必要时入户调查"),
    ("决定", "作出准予或不予的决定"),
    ("办结", "通过窗口、邮寄或电子证照送达结果"),
)
IMMEDIATE_STEPS = steps(
    ("申请", "申请人到窗口提交材料或网上申请"),
    ("受理并办结", "材料齐全、符合法定形式的当场办结"),
    ("送达", "当场领取结果或电子证照"),
)


def item(key: str, name: str, type_name: str, dept: str, **kw: Any) -> dict[str, Any]:
    """One community item in catalog-JSON shape minus codes (the build script adds them)."""
    full, level = DEPARTMENTS[dept]
    base: dict[str, Any] = {
        "key": key,
        "name": name,
        "type_name": type_name,
        "department": full,
        "level": level,
        "jurisdiction": JURISDICTION,
        "case_kind": "承诺件",
        "visits": 1,
        "charged": False,
        "fee_basis": "",
        "place": STATION_PLACE,
        "hours": HOURS,
        "consult_phone": CONSULT,
        "supervise_phone": SUPERVISE,
        "tongban": None,
        "service_objects": ["自然人"],
        "station_acceptable": True,
        "on_the_spot": None,
        "jurisdictions": [],
        "commitment_offered": False,
        "status": "active",
        "effective_from": "2021-01-01",
        "effective_to": None,
        "sample": True,
        "note": "",
        "fields": [],
        "eligibility": None,
    }
    base.update(kw)
    if base["case_kind"] == "即办件":
        base.setdefault("promised_limit", days(0))
        base.setdefault("process", IMMEDIATE_STEPS)
    base.setdefault("process", STANDARD_STEPS)
    base.setdefault("legal_limit", None)
    return base


COMMUNITY_ITEMS: list[dict[str, Any]] = [
    # ---------------------------------------------------------------- 出生
    item(
        "csyxzm",
        "出生医学证明",
        "公共服务",
        "卫健",
        fields=[NEWBORN_NAME, NEWBORN_SEX, NEWBORN_BIRTH_DATE, NEWBORN_BIRTH_PLACE, MOTHER, FATHER],
        basis=["《中华人民共和国母婴保健法》第二十三条", "《出生医学证明管理办法》"],
        conditions=["在本区助产机构出生的新生儿", "新生儿父母或其监护人申请"],
        materials=[
            form("M-CSSQ", "出生医学证明首次签发登记表"),
            ID_CARD,
            variant(MARRIAGE, necessity="非必要"),
            mat(
                "M-FMJL",
                "分娩记录(助产机构提供)",
                source="其他",
                originals=0,
                copies=0,
                shared_data=True,
                acceptance_standard="助产机构系统内已登记",
            ),
        ],
        legal_limit=None,
        promised_limit=days(1),
        result_name="出生医学证明",
        place="分娩助产机构出生医学证明签发窗口;出生一件事可在便民服务站一窗受理",
        life_events=["出生"],
        tongban=None,
    ),
    item(
        "xsehk",
        "新生儿户口登记(出生登记)",
        "行政确认",
        "公安",
        fields=[NEWBORN_NAME, NEWBORN_SEX, NEWBORN_BIRTH_DATE, BIRTH_CERT_NO, MOTHER, FATHER, HUKOU_ADDRESS],
        basis=["《中华人民共和国户口登记条例》第七条"],
        conditions=["婴儿出生后一个月以内", "随父或随母在本区申报常住户口"],
        materials=[
            ID_CARD,
            HOUSEHOLD,
            BIRTH_CERT,
            variant(
                MARRIAGE, necessity="容缺后补", note="非婚生育的可不提供;缺少时可容缺受理,10个工作日内补交"
            ),
        ],
        case_kind="即办件",
        result_name="居民户口簿(新生儿页)",
        life_events=["出生"],
        tongban="全市通办",
        note="办理地点为户籍所在地派出所,便民服务站代收",
    ),
    item(
        "cxjmyb",
        "城乡居民医疗保险参保登记",
        "公共服务",
        "医保",
        fields=[NEWBORN_NAME, NEWBORN_BIRTH_DATE, BIRTH_CERT_NO, INSURANCE_CHOICE],
        basis=[
            "《中华人民共和国社会保险法》第二十五条",
            "《国务院关于整合城乡居民基本医疗保险制度的意见》(国发〔2016〕3号)",
        ],
        conditions=[
            "本区户籍或持本区居住证、未参加职工基本医疗保险的城乡居民",
            "新生儿出生90日内参保的,自出生之日起享受待遇",
        ],
        materials=[
            form("M-YBDJ", "城乡居民基本医疗保险参保登记表"),
            ID_CARD,
            HOUSEHOLD,
            variant(BIRTH_CERT, necessity="非必要", note="新生儿参保时提供"),
        ],
        case_kind="即办件",
        result_name="参保登记信息",
        life_events=["出生", "社会保障"],
        tongban="全市通办",
        fee_basis="",
        note="参保缴费按年度标准另行缴纳,登记本身不收费",
    ),
    item(
        "yfjzz",
        "预防接种证办理",
        "公共服务",
        "卫健",
        fields=[NEWBORN_NAME, NEWBORN_SEX, NEWBORN_BIRTH_DATE, BIRTH_CERT_NO, MOTHER],
        basis=["《中华人民共和国疫苗管理法》第四十七条"],
        conditions=["儿童出生后一个月内,由监护人到居住地接种单位办理"],
        materials=[
            BIRTH_CERT,
            variant(ID_CARD, copies=0),
            mat(
                "M-JZJL",
                "新生儿首针乙肝疫苗和卡介苗接种记录",
                source="其他",
                originals=1,
                copies=0,
                acceptance_standard="助产机构出具",
            ),
        ],
        case_kind="即办件",
        result_name="预防接种证",
        life_events=["出生"],
        place="居住地社区卫生服务中心预防接种门诊;出生一件事可在便民服务站一窗受理",
    ),
    # ---------------------------------------------------------------- 婚育
    item(
        "sydj",
        "生育登记",
        "公共服务",
        "街道",
        basis=["《中华人民共和国人口与计划生育法》", "《陕西省人口与计划生育条例》"],
        conditions=["夫妻一方户籍在本区或在本区居住", "孕前或怀孕后至子女出生前后均可登记"],
        materials=[
            form("M-SYDJB", "生育登记表"),
            ID_CARD,
            variant(MARRIAGE, necessity="容缺后补", note="缺少时可容缺受理,10个工作日内补交"),
        ],
        case_kind="即办件",
        result_name="生育登记服务单",
        life_events=["婚育"],
        tongban="全市通办",
        place="街道便民服务中心、社区便民服务站,也可通过陕西政务服务网办理",
    ),
    item(
        "dszn",
        "独生子女父母光荣证办理",
        "行政确认",
        "卫健",
        basis=["《陕西省人口与计划生育条例》"],
        conditions=["只生育一个子女并自愿不再生育的夫妻"],
        materials=[form("M-DSZNSQ", "独生子女父母光荣证申请表"), ID_CARD, HOUSEHOLD, MARRIAGE, PHOTO],
        promised_limit=days(5),
        legal_limit=days(20),
        result_name="独生子女父母光荣证",
        life_events=["婚育"],
    ),
    item(
        "hydjyy",
        "婚姻登记预约",
        "公共服务",
        "民政",
        eligibility=eligible(min_age=20),
        basis=["《婚姻登记条例》"],
        conditions=["男女双方均为内地居民,达到法定婚龄", "预约后按约定时间双方亲自到婚姻登记处办理"],
        materials=[ID_CARD, HOUSEHOLD],
        case_kind="即办件",
        visits=0,
        result_name="婚姻登记预约回执",
        on_the_spot="回执",
        life_events=["婚育"],
        place="社区便民服务站自助终端、陕西政务服务网;登记在阎良区婚姻登记处",
        tongban="全市通办",
    ),
    # ---------------------------------------------------------------- 教育 / 住房 / 出行
    item(
        "ywjyrx",
        "义务教育阶段入学报名",
        "公共服务",
        "教育",
        basis=["《中华人民共和国义务教育法》第十二条"],
        conditions=["适龄儿童少年,按户籍和实际居住地划片入学"],
        materials=[
            HOUSEHOLD,
            variant(ID_CARD, necessity="必要"),
            mat(
                "M-FCZM",
                "房屋产权证明或租赁证明",
                originals=1,
                copies=1,
                necessity="容缺后补",
                note="缺少时可先报名,开学前补交",
            ),
        ],
        promised_limit=days(10),
        result_name="入学通知书",
        life_events=["教育"],
        tongban="区内通办",
    ),
    item(
        "gzf",
        "公共租赁住房申请",
        "公共服务",
        "住建",
        basis=["《公共租赁住房管理办法》(住房和城乡建设部令第11号)"],
        conditions=["在本区有稳定就业或居住", "家庭收入、住房面积符合本市公租房保障标准"],
        materials=[
            form("M-GZFSQ", "公共租赁住房申请表"),
            ID_CARD,
            HOUSEHOLD,
            INCOME_PLEDGE,
            CHECK_AUTH,
            mat("M-ZFQK", "家庭住房情况证明", originals=1, copies=0, source="政府部门核发", shared_data=True),
        ],
        promised_limit=days(30),
        legal_limit=None,
        commitment_offered=True,
        visits=1,
        result_name="公共租赁住房资格确认通知",
        life_events=["住房"],
        tongban="区内通办",
    ),
    item(
        "jzz",
        "居住证申领",
        "公共服务",
        "公安",
        basis=["《居住证暂行条例》(国务院令第663号)"],
        conditions=["离开常住户口所在地到本区居住半年以上", "有合法稳定就业、合法稳定住所或连续就读条件之一"],
        materials=[
            form("M-JZZSQ", "居住证申领登记表"),
            ID_CARD,
            PHOTO,
            mat(
                "M-JZZM",
                "合法稳定住所证明",
                originals=1,
                copies=1,
                commitment_allowed=True,
                commitment_text="本人承诺在本区有合法稳定住所并已实际居住满半年,如有虚假,愿承担相应法律责任。",
                acceptance_standard="房屋租赁合同、房产证明或单位、学校出具的住宿证明",
            ),
        ],
        legal_limit=days(15, "自然日"),
        promised_limit=days(7),
        commitment_offered=True,
        result_name="居住证",
        life_events=["住房", "出行"],
        tongban="全市通办",
        jurisdictions=["临潼区", "高陵区"],  # 业务属地: the district the applicant lives in
        fee_basis="首次申领免费",
    ),
    item(
        "sfz",
        "居民身份证申领(换领、补领)",
        "行政确认",
        "公安",
        basis=["《中华人民共和国居民身份证法》"],
        conditions=["本区常住户口居民;在本区居住的外省市居民可异地申领"],
        materials=[HOUSEHOLD, variant(ID_CARD, necessity="非必要", note="换领时交回旧证")],
        legal_limit=days(60, "自然日"),
        promised_limit=days(20),
        charged=True,
        fee_basis="《国家发展改革委 财政部关于居民身份证收费标准及有关问题的通知》(发改价格〔2003〕2322号):"
        "申领、换领工本费20元,丢失补领、损坏换领40元",
        visits=2,
        result_name="居民身份证",
        life_events=["出行"],
        tongban="跨省通办",
        station_acceptable=False,
        place="户籍所在地派出所户籍窗口、阎良区政务服务中心公安窗口",
    ),
    # ---------------------------------------------------------------- 就业
    item(
        "jysydj",
        "就业失业登记",
        "公共服务",
        "人社",
        basis=["《就业服务与就业管理规定》(劳动和社会保障部令第28号)"],
        conditions=["法定劳动年龄内、有劳动能力和就业要求的城乡劳动者"],
        materials=[ID_CARD, form("M-JYDJ", "就业失业登记表")],
        case_kind="即办件",
        result_name="就业创业证",
        life_events=["就业"],
        tongban="全市通办",
    ),
    item(
        "sybxj",
        "失业保险金申领",
        "行政给付",
        "人社",
        basis=["《中华人民共和国社会保险法》第四十五条", "《失业保险条例》(国务院令第258号)"],
        conditions=[
            "失业前用人单位和本人已缴纳失业保险费满一年",
            "非因本人意愿中断就业",
            "已办理失业登记并有求职要求",
        ],
        materials=[
            ID_CARD,
            mat(
                "M-JCLDHT",
                "解除或终止劳动合同证明",
                originals=1,
                copies=1,
                commitment_allowed=True,
                commitment_text="本人承诺已与原单位解除(终止)劳动关系且非本人意愿中断就业,如有虚假,"
                "愿退还所领失业保险金并承担相应责任。",
            ),
            BANK_CARD,
        ],
        legal_limit=None,
        promised_limit=days(5),
        commitment_offered=True,
        visits=0,
        result_name="失业保险待遇核定结果",
        life_events=["就业", "社会保障"],
        tongban="全市通办",
    ),
    # ---------------------------------------------------------------- 社会保障
    item(
        "cxjmyl",
        "城乡居民养老保险参保登记",
        "公共服务",
        "人社",
        eligibility=eligible(min_age=16),
        basis=[
            "《中华人民共和国社会保险法》第二十条、第二十二条",
            "《国务院关于建立统一的城乡居民基本养老保险制度的意见》(国发〔2014〕8号)",
        ],
        conditions=[
            "年满16周岁(不含在校学生)、非国家机关和事业单位工作人员",
            "不属于职工基本养老保险覆盖范围的本区户籍居民",
        ],
        materials=[ID_CARD, HOUSEHOLD, form("M-YLDJ", "城乡居民基本养老保险参保登记表")],
        case_kind="即办件",
        result_name="城乡居民基本养老保险参保登记证明",
        on_the_spot="证明",
        life_events=["社会保障"],
        tongban="全市通办",
    ),
    item(
        "gljt",
        "高龄津贴申领",
        "行政给付",
        "民政",
        eligibility=eligible(min_age=80, areas=("610114",)),
        basis=["《中华人民共和国老年人权益保障法》第三十三条", "省、市高龄老人生活补贴相关规定"],
        conditions=["本区户籍、年满80周岁的老年人"],
        materials=[form("M-GLSQ", "高龄老人生活补贴申请表"), ID_CARD, HOUSEHOLD, BANK_CARD, AGENT_PROOF],
        legal_limit=None,
        promised_limit=days(15),
        result_name="高龄津贴发放确认",
        life_events=["社会保障", "退休"],
        tongban="全市通办",
        note="补贴自审核通过次月起按月发放至社会保障卡",
    ),
    item(
        "lnyd",
        "老年人优待证办理",
        "公共服务",
        "街道",
        eligibility=eligible(min_age=60),
        basis=["《中华人民共和国老年人权益保障法》"],
        conditions=["年满60周岁的本区户籍老年人或在本区居住的外地老年人"],
        materials=[
            ID_CARD,
            variant(PHOTO, originals=1, necessity="容缺后补", note="可由窗口现场采集照片,无法采集的容缺后补"),
        ],
        case_kind="即办件",
        result_name="老年人优待证",
        on_the_spot="证件",
        life_events=["退休", "社会保障"],
        tongban="全市通办",
    ),
    item(
        "cjrz",
        "残疾人证办理",
        "行政确认",
        "残联",
        eligibility=eligible(areas=("610114",)),
        basis=["《中华人民共和国残疾人保障法》", "《中华人民共和国残疾人证管理办法》"],
        conditions=["符合残疾标准的本区户籍居民", "须经指定医院残疾评定(评定时间不计入办理时限)"],
        materials=[
            form("M-CJRSQ", "残疾人证申请表"),
            ID_CARD,
            HOUSEHOLD,
            variant(PHOTO, necessity="容缺后补", note="可在评定后补交"),
            mat(
                "M-CJPD",
                "残疾评定表",
                source="其他",
                originals=1,
                copies=0,
                acceptance_standard="由指定评定机构出具并盖章",
            ),
        ],
        legal_limit=None,
        promised_limit=days(15),
        visits=2,
        result_name="中华人民共和国残疾人证",
        life_events=["社会保障"],
        note="评定时间不计入承诺时限",
    ),
    item(
        "cjrlxbt",
        "困难残疾人生活补贴和重度残疾人护理补贴申请",
        "行政给付",
        "民政",
        basis=["《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》(国发〔2015〕52号)"],
        conditions=["持有第二代残疾人证", "生活补贴:低保家庭中的残疾人;护理补贴:残疾等级为一、二级"],
        materials=[form("M-LXBTSQ", "残疾人两项补贴申请审批表"), ID_CARD, DISABILITY_CERT, BANK_CARD],
        legal_limit=None,
        promised_limit=days(20),
        result_name="补贴审批结果",
        life_events=["社会保障", "社会救助"],
    ),
    # ---------------------------------------------------------------- 社会救助
    item(
        "dbsq",
        "最低生活保障申请",
        "行政给付",
        "民政",
        basis=[
            "《社会救助暂行办法》(国务院令第649号)第九条至第十三条",
            "《最低生活保障审核确认办法》(民发〔2021〕57号)",
        ],
        conditions=["共同生活的家庭成员人均收入低于本市最低生活保障标准", "家庭财产状况符合本市规定"],
        materials=[
            form("M-DBSQ", "最低生活保障申请书"),
            ID_CARD,
            HOUSEHOLD,
            INCOME_PLEDGE,
            CHECK_AUTH,
            variant(DISABILITY_CERT, necessity="非必要", note="家庭成员有残疾的提供"),
        ],
        legal_limit=days(30),
        promised_limit=days(20),
        commitment_offered=True,
        visits=1,
        process=steps(
            ("申请", "向户籍所在地街道提出书面申请,社区便民服务站可代为受理"),
            ("受理", "材料齐全当场受理,不齐全的一次性告知"),
            ("家庭经济状况调查", "入户调查、信息核对,并在社区公示7天"),
            ("审核确认", "区民政局审核确认"),
            ("办结", "书面告知结果,确认的次月发放"),
        ),
        result_name="最低生活保障审核确认结果",
        life_events=["社会救助"],
        tongban="全市通办",
    ),
    item(
        "lsjz",
        "临时救助申请",
        "行政给付",
        "民政",
        basis=[
            "《社会救助暂行办法》第四十七条至第五十条",
            "《国务院关于全面建立临时救助制度的通知》(国发〔2014〕47号)",
        ],
        conditions=[
            "因火灾、交通事故等意外事件或家庭成员突发重大疾病,导致基本生活暂时出现严重困难的家庭或个人"
        ],
        materials=[
            form("M-LSJZSQ", "临时救助申请书"),
            ID_CARD,
            INCOME_PLEDGE,
            mat(
                "M-KNZM",
                "困难情况相关证明(医疗票据、事故证明等)",
                originals=0,
                copies=1,
                necessity="容缺后补",
                note="情况紧急的可先行救助,事后补交",
            ),
        ],
        legal_limit=None,
        promised_limit=days(10),
        commitment_offered=True,
        result_name="临时救助审批结果",
        life_events=["社会救助"],
    ),
    item(
        "tkry",
        "特困人员救助供养",
        "行政给付",
        "民政",
        basis=["《社会救助暂行办法》第十四条至第十九条", "《特困人员认定办法》(民发〔2021〕43号)"],
        conditions=[
            "无劳动能力、无生活来源,且无法定赡养、抚养、扶养义务人或者其义务人无履行能力的老年人、残疾人以及未成年人"
        ],
        materials=[
            form("M-TKSQ", "特困人员救助供养申请书"),
            ID_CARD,
            HOUSEHOLD,
            INCOME_PLEDGE,
            CHECK_AUTH,
            variant(DISABILITY_CERT, necessity="非必要"),
        ],
        legal_limit=days(20),
        promised_limit=days(20),
        commitment_offered=True,
        result_name="特困人员认定结果",
        life_events=["社会救助"],
    ),
    # ---------------------------------------------------------------- 退休
    item(
        "zgtx",
        "职工正常退休(退职)申请",
        "行政确认",
        "人社",
        basis=[
            "《中华人民共和国社会保险法》第十六条",
            "《国务院关于工人退休、退职的暂行办法》(国发〔1978〕104号)",
        ],
        conditions=["达到法定退休年龄", "基本养老保险累计缴费满15年"],
        materials=[ID_CARD, RETIREE_FILE, form("M-TXSP", "职工退休审批表"), BANK_CARD],
        legal_limit=None,
        promised_limit=days(10),
        result_name="退休审批表及养老金核定表",
        life_events=["退休"],
        service_objects=["自然人", "法人"],
        station_acceptable=False,
        place="阎良区政务服务中心人社窗口",
    ),
    item(
        "txyb",
        "退休人员基本医疗保险待遇核定",
        "行政确认",
        "医保",
        basis=["《中华人民共和国社会保险法》第二十七条"],
        conditions=["已办理退休手续,职工基本医疗保险累计缴费年限达到本市规定"],
        materials=[
            ID_CARD,
            mat("M-TXSPB", "退休审批表", source="政府部门核发", originals=0, copies=1, shared_data=True),
        ],
        legal_limit=None,
        promised_limit=days(5),
        result_name="退休人员医保待遇核定结果",
        life_events=["退休", "社会保障"],
    ),
    item(
        "jmyldy",
        "城乡居民养老保险待遇申领",
        "行政给付",
        "人社",
        eligibility=eligible(min_age=60),
        basis=["《国务院关于建立统一的城乡居民基本养老保险制度的意见》(国发〔2014〕8号)"],
        conditions=["年满60周岁、累计缴费满15年且未领取国家规定的基本养老保障待遇"],
        materials=[ID_CARD, HOUSEHOLD, BANK_CARD, form("M-JMDYSQ", "城乡居民养老保险待遇领取申请表")],
        legal_limit=None,
        promised_limit=days(10),
        result_name="待遇核定结果",
        life_events=["退休"],
        tongban="全市通办",
    ),
    # ---------------------------------------------------------------- 身后
    item(
        "swhkzx",
        "死亡人员户口注销",
        "行政确认",
        "公安",
        basis=["《中华人民共和国户口登记条例》第八条"],
        conditions=["公民死亡后一个月以内,由户主、亲属或抚养人申报"],
        materials=[
            DEATH_CERT,
            HOUSEHOLD,
            variant(ID_CARD, note="申报人及死者身份证"),
            mat("M-HHZM", "火化证明", source="其他", originals=1, copies=1, necessity="非必要"),
        ],
        case_kind="即办件",
        result_name="户口注销证明",
        life_events=["身后"],
        tongban="全市通办",
    ),
    item(
        "szbz",
        "丧葬补助金、抚恤金申领",
        "行政给付",
        "人社",
        basis=["《中华人民共和国社会保险法》第十七条"],
        conditions=["参加职工基本养老保险的个人因病或非因工死亡,其遗属可申领"],
        materials=[
            DEATH_CERT,
            ID_CARD,
            mat(
                "M-QSGX",
                "申领人与死者的亲属关系证明",
                originals=1,
                copies=1,
                commitment_allowed=True,
                commitment_text="本人承诺与死者的亲属关系真实,如有虚假,愿退还所领待遇并承担法律责任。",
            ),
            BANK_CARD,
            form("M-SZSQ", "丧葬补助金、抚恤金申领表"),
        ],
        legal_limit=None,
        promised_limit=days(10),
        commitment_offered=True,
        result_name="待遇核定结果",
        life_events=["身后"],
        tongban="全市通办",
    ),
    item(
        "jmylzx",
        "城乡居民养老保险注销登记",
        "公共服务",
        "人社",
        basis=["《国务院关于建立统一的城乡居民基本养老保险制度的意见》(国发〔2014〕8号)"],
        conditions=["参保人死亡、出国(境)定居或已享受其他基本养老保障待遇"],
        materials=[DEATH_CERT, ID_CARD, BANK_CARD],
        legal_limit=None,
        promised_limit=days(5),
        result_name="注销登记及个人账户余额结算",
        life_events=["身后"],
    ),
    item(
        "ybzx",
        "基本医疗保险参保关系注销",
        "公共服务",
        "医保",
        basis=["《中华人民共和国社会保险法》"],
        conditions=["参保人死亡或已在其他统筹地区参保"],
        materials=[DEATH_CERT, ID_CARD],
        case_kind="即办件",
        result_name="参保关系注销",
        life_events=["身后"],
    ),
    # ---------------------------------------------------------------- 企业(个体工商户)
    item(
        "gtsl",
        "个体工商户设立登记",
        "行政许可",
        "市场监管",
        basis=[
            "《促进个体工商户发展条例》(国务院令第755号)",
            "《中华人民共和国市场主体登记管理条例》(国务院令第746号)",
        ],
        conditions=["有经营能力的公民", "有固定经营场所"],
        materials=[form("M-GTDJ", "个体工商户登记(备案)申请书"), ID_CARD, PREMISES],
        legal_limit=days(3),
        promised_limit=days(1),
        commitment_offered=True,
        visits=1,
        result_name="营业执照",
        life_events=["设立"],
        service_objects=["自然人"],
        tongban="全市通办",
    ),
    item(
        "spba",
        "仅销售预包装食品经营者备案",
        "其他行政权力",
        "市场监管",
        basis=["《中华人民共和国食品安全法》第三十五条"],
        conditions=["已取得营业执照", "仅销售预包装食品"],
        materials=[
            form("M-SPBA", "仅销售预包装食品经营者备案信息采集表"),
            BUSINESS_LICENSE,
            variant(ID_CARD, copies=0),
            variant(PREMISES, necessity="非必要"),
        ],
        case_kind="即办件",
        visits=0,
        commitment_offered=True,
        result_name="备案回执",
        life_events=["设立", "经营"],
        service_objects=["自然人", "法人"],
    ),
    item(
        "ycls",
        "烟草专卖零售许可证核发",
        "行政许可",
        "烟草",
        basis=["《中华人民共和国烟草专卖法》第十六条", "《烟草专卖许可证管理办法》(工业和信息化部令第37号)"],
        conditions=["有与经营烟草制品零售业务相适应的资金和固定经营场所", "符合本地零售点合理布局要求"],
        materials=[form("M-YCSQ", "烟草专卖零售许可证申请表"), BUSINESS_LICENSE, ID_CARD, PREMISES],
        legal_limit=days(20),
        promised_limit=days(5),
        commitment_offered=True,
        visits=1,
        result_name="烟草专卖零售许可证",
        life_events=["设立", "经营"],
        service_objects=["自然人", "法人"],
        note="许可决定前须实地核查,核查时间计入承诺时限",
    ),
    item(
        "gtzx",
        "个体工商户注销登记",
        "行政许可",
        "市场监管",
        basis=["《中华人民共和国市场主体登记管理条例》(国务院令第746号)"],
        conditions=["不再从事经营活动,无未结清的债权债务(适用简易注销的须作出承诺)"],
        materials=[form("M-GTZX", "个体工商户注销登记申请书"), BUSINESS_LICENSE, ID_CARD],
        legal_limit=days(3),
        promised_limit=days(1),
        result_name="准予注销登记通知书",
        life_events=["注销"],
        tongban="全市通办",
    ),
    # ---------------------------------------------------------------- 已取消 (清单之外无审批)
    item(
        "syfwz",
        "生育服务证(准生证)办理",
        "行政确认",
        "卫健",
        basis=["《陕西省人口与计划生育条例》(修订前)"],
        conditions=["已由生育登记制度替代"],
        materials=[ID_CARD, MARRIAGE],
        promised_limit=days(10),
        legal_limit=days(30),
        result_name="生育服务证",
        life_events=["婚育"],
        status="cancelled",
        effective_from="2010-01-01",
        effective_to="2016-06-01",
        note="已取消,改为生育登记(示例取消日期)",
    ),
    item(
        "ldrkhy",
        "流动人口婚育证明办理",
        "行政确认",
        "卫健",
        basis=["《流动人口计划生育工作条例》"],
        conditions=["已取消,不再受理"],
        materials=[ID_CARD, MARRIAGE],
        promised_limit=days(5),
        legal_limit=days(20),
        result_name="流动人口婚育证明",
        life_events=["婚育"],
        status="cancelled",
        effective_from="2009-10-01",
        effective_to="2016-01-01",
        note="国家取消流动人口婚育证明(示例取消日期)",
    ),
]


BUNDLES: list[dict[str, Any]] = [
    {
        "code": "YJS-CS",
        "name": "出生一件事",
        "keys": ["csyxzm", "xsehk", "cxjmyb", "yfjzz"],
        "life_events": ["出生"],
        "description": "新生儿出生后,父母在一个窗口填一张表、一次递交材料,同步办理出生医学证明、新生儿户口登记、"
        "城乡居民医疗保险参保登记和预防接种证,一次受理、一次办结(阎良区2021年推出,审批时间由7天压缩为2—3天)。",
        "promised_limit": days(3),
    },
    {
        "code": "YJS-TX",
        "name": "退休一件事",
        "keys": ["zgtx", "txyb", "lnyd"],
        "life_events": ["退休"],
        "description": "职工达到退休年龄,一次申请同步办理退休审批、退休人员医保待遇核定和老年人优待证。",
        "promised_limit": days(10),
    },
    {
        "code": "YJS-KCS",
        "name": "开小超市一件事",
        "keys": ["gtsl", "spba", "ycls"],
        "life_events": ["设立", "经营"],
        "description": "开办便利店、小超市,一窗受理营业执照、食品经营备案和烟草专卖零售许可;"
        "由原来跑多个窗口、19个工作日压缩为1个窗口、7个工作日。",
        "promised_limit": days(7),
    },
    {
        "code": "YJS-SH",
        "name": "身后一件事",
        "keys": ["swhkzx", "szbz", "jmylzx", "ybzx"],
        "life_events": ["身后"],
        "description": "亲属一次申报,同步办理户口注销、丧葬补助金和抚恤金申领、养老保险和医疗保险注销。",
        "promised_limit": days(10),
    },
    {
        "code": "YJS-JZ",
        "name": "困难群众救助一件事",
        "keys": ["dbsq", "lsjz", "cjrlxbt"],
        "life_events": ["社会救助"],
        "description": "困难家庭一次申请、一次家庭经济状况核对,同步办理低保、临时救助和残疾人两项补贴。",
        "promised_limit": days(20),
    },
]


# ------------------------------------------------------------------------------------ 俗称 / 关键词
# How residents name the items (SAMPLE DATA like the guides above): the words community workers hear at
# the window and public 办事指南 use beside the official names. Where a seed uses the phrase it is marked
# "seed 002" (阎良区 / 西安市 descriptions of 出生一件事, 开办小型超市, 上学报名, 退休养老, 个人创业).
# Every item and bundle has an entry; scripts/build_sample_catalog.py refuses a missing one.

KEYWORDS: dict[str, list[str]] = {
    "csyxzm": ["出生证明", "出生证", "开出生证明", "新生儿出生证明", "出生纸"],
    "xsehk": ["上户口", "报户口", "落户", "落户登记", "新生儿落户", "孩子上户口", "出生申报户口"],  # seed 002
    "cxjmyb": [
        "医保",
        "居民医保",
        "城乡医保",
        "医保参保",
        "交医保",
        "新农合",
        "合作医疗",
        "少儿医保",
    ],  # seed 002
    "yfjzz": ["疫苗本", "接种本", "预防接种", "打疫苗", "打预防针", "疫苗接种证"],  # seed 002
    "sydj": ["准生证", "生育服务登记", "一孩登记", "二孩登记", "三孩登记", "怀孕登记"],
    "dszn": ["独生子女证", "独生证", "光荣证", "独生子女奖励", "独生子女费"],
    "hydjyy": ["结婚登记", "结婚证", "领结婚证", "领证", "离婚登记预约", "婚姻登记"],
    "ywjyrx": ["上学报名", "入学报名", "小学报名", "初中报名", "幼升小", "小升初", "新生入学"],  # seed 002
    "gzf": ["公租房", "廉租房", "保障房", "保障性住房", "政府租房"],
    "jzz": ["居住证", "暂住证", "办居住证", "流动人口居住证"],
    "sfz": ["身份证", "办身份证", "补办身份证", "换身份证", "身份证过期", "身份证丢失", "二代证"],
    "jysydj": ["失业登记", "就业登记", "就业创业证", "失业证", "下岗登记"],
    "sybxj": ["失业金", "失业保险", "领失业金", "失业保险金", "失业补助金"],
    "cxjmyl": ["居民养老保险", "城乡养老保险", "农村养老保险", "新农保", "养老保险参保", "交养老保险"],
    "gljt": ["高龄补贴", "老人补贴", "老年人补贴", "高龄老人补贴", "长寿补贴", "80岁老人补贴"],
    "lnyd": ["老年证", "老年卡", "老人证", "敬老卡", "老年优待卡", "老人免费乘车"],
    "cjrz": ["残疾证", "办残疾证", "残疾鉴定", "残疾评定", "残疾人证换领"],
    "cjrlxbt": ["残疾人两项补贴", "两项补贴", "残疾补贴", "护理补贴", "残疾人生活补贴"],
    "dbsq": ["低保", "城乡低保", "农村低保", "吃低保", "办低保", "低保户", "低保申请"],
    "lsjz": ["临时救助金", "急难救助", "临时困难救助", "救急", "遇急难"],
    "tkry": ["五保", "五保户", "特困供养", "特困人员", "孤寡老人", "三无人员"],
    "zgtx": ["退休", "办退休", "退休审批", "退休手续", "职工退休", "退休年龄"],
    "txyb": ["退休医保", "退休人员医保", "医保退休待遇", "退休后医保"],
    "jmyldy": ["领养老金", "养老金", "居民养老金", "农村养老金", "养老待遇", "领养老钱"],
    "swhkzx": ["注销户口", "死亡销户", "销户", "户口注销", "死亡注销"],
    "szbz": ["丧葬费", "丧葬补助", "丧葬补贴", "抚恤金", "死亡抚恤"],
    "jmylzx": ["养老保险注销", "居民养老保险注销", "养老保险停保"],
    "ybzx": ["医保注销", "注销医保", "医保停保", "停医保"],
    "gtsl": ["营业执照", "个体户", "个体执照", "办执照", "个体户注册", "工商登记", "个人创业"],  # seed 002
    "spba": ["食品经营备案", "预包装食品备案", "食品备案", "卖食品"],
    "ycls": ["烟草证", "烟草许可证", "烟草专卖证", "卖烟", "香烟许可证"],
    "gtzx": ["个体户注销", "注销执照", "营业执照注销", "关店", "执照注销"],
    "syfwz": ["准生证", "生育服务证"],
    "ldrkhy": ["婚育证明", "流动人口婚育证"],
}

BUNDLE_KEYWORDS: dict[str, list[str]] = {
    "YJS-CS": ["生孩子", "生小孩", "新生儿出生", "宝宝出生", "孩子出生", "新生儿", "出生办证"],  # seed 002
    "YJS-TX": ["退休", "退休养老", "到龄退休", "办理退休"],  # seed 002 (退休养老)
    "YJS-KCS": ["开超市", "开小超市", "开办小型超市", "开便利店", "开小卖部", "开商店", "开店"],  # seed 002
    "YJS-SH": ["去世", "过世", "人走了", "丧事", "后事", "亲人去世", "老人去世"],
    "YJS-JZ": ["困难救助", "社会救助", "家庭困难", "生活困难", "困难补助"],
}

# The Xi'an city-hall items of seed 000 by their (real) names; the keywords are sample phrasing.
CITY_KEYWORDS: dict[str, list[str]] = {
    "价格争议调解": ["价格纠纷", "价格投诉", "收费争议"],
    "市级储备粮承储资格认定": ["储备粮", "粮食储备资格"],
    "重要商品和服务价格制定": ["政府定价", "价格审批"],
    "价格政策查询、咨询": ["价格政策", "物价咨询"],
    "提供粮食政策和市场信息咨询服务": ["粮食政策", "粮价信息"],
    "教师资格认定": ["教师资格证", "教师证", "当老师"],
    "对教师申诉的处理": ["教师申诉", "老师申诉"],
    "信用咨询": ["信用查询", "企业信用"],
    "宗教团体、宗教院校、宗教活动场所接受境外组织和个人捐赠审批": ["宗教捐赠", "境外捐赠"],
    "宗教团体成立、变更、注销前审批": ["宗教团体登记", "宗教团体注销"],
    "民族政策及法律法规咨询": ["民族政策"],
    "宗教团体基本信息查询": ["宗教团体查询"],
    "宗教政策及法律法规咨询": ["宗教政策"],
    "保安员证核发": ["保安证", "保安员证", "当保安"],
    "第一类易制毒化学品运输许可": ["易制毒化学品运输", "化学品运输证"],
    "放射性物品道路运输许可": ["放射性物品运输"],
    "慈善表彰": ["慈善奖"],
    "社会组织档案信息查询": ["社会组织查询", "社团档案"],
    "撤销中国公民收养登记": ["撤销收养", "解除收养"],
    "慈善信托备案": ["慈善信托"],
    "养老机构评估管理": ["养老院评估", "养老院", "敬老院评估"],
    "慈善工作政策咨询": ["慈善政策"],
    "孤儿大学生生活费学费保障政策咨询": ["孤儿上大学", "孤儿学费"],
    "孤儿基本生活保障政策咨询": ["孤儿生活费", "孤儿补助"],
    "社会福利中心养老咨询": ["福利院养老", "社会福利院", "养老院咨询"],
    "养老服务政策咨询": ["养老政策", "养老服务", "居家养老"],
    "最低生活保障政策咨询": ["低保政策", "低保咨询"],
    "对律师执业年度考核结果备案": ["律师年度考核", "律师年检"],
    "法律职业资格认定": ["法律职业资格证", "司法考试证书", "律师资格"],
    "工伤认定": ["工伤", "工伤鉴定", "工作受伤", "上班受伤"],
    "对在消耗臭氧层物质淘汰工作中做出突出成绩的单位和个人的奖励": ["臭氧层保护奖励"],
    "清洁生产表彰奖励": ["清洁生产奖励"],
    "循环经济表彰奖励": ["循环经济奖励"],
    "跨设区的市行政区转移使用放射性同位素和射线装置作业的备案": ["放射性同位素转移备案", "射线装置备案"],
    "需要委托开展放射性同位素和射线装置作业的建设单位备案": ["委托射线作业备案"],
    "专项规划环境影响报告书审查": ["规划环评", "环评审查"],
    "对在污染源普查工作中做出突出贡献的集体和个人的奖励": ["污染源普查奖励"],
    "房屋建筑和市政基础设施工程监督管理,对进入省级评标专家库分库的申请人员的初步审查": [
        "评标专家库",
        "评标专家申请",
    ],
    "组织申报、审查推荐省级建设科技项目": ["建设科技项目申报"],
    "西安市建筑工地农民工业余学校备案": ["农民工业余学校", "工地学校"],
    "新型墙体材料专项基金返还": ["墙改基金返还", "墙体材料基金"],
    "城建费用征收": ["城建费", "城市建设费"],
    "城市配套费减免核审": ["配套费减免", "城市基础设施配套费"],
    "项目及调剂补贴的审核": ["调剂补贴", "项目补贴审核"],
    "水利工程法人验收质量评定结论核备": ["水利工程验收", "水利质量评定"],
    "水土保持项目、淤地坝工程竣工验收": ["淤地坝验收", "水土保持验收"],
    "拍卖企业的年审": ["拍卖企业年审", "拍卖行年检"],
    "对外劳务合作经营资格核准": ["对外劳务合作", "出国劳务资格"],
    "旅行社设立许可": ["开旅行社", "旅行社许可", "旅行社经营许可证"],
    "旅游政策法律法规咨询": ["旅游政策", "旅游咨询"],
    "社会艺术水平考级政策咨询": ["艺术考级", "考级政策"],
    "艺术品经营活动政策咨询": ["艺术品经营"],
    "省级行政区域内经营广播电视节目传送业务审批(有线)": ["有线电视传送", "广电节目传送"],
    "广播电视频率使用许可审核(甲级)": ["广电频率许可"],
    "广播电视视频点播业务甲种审批": ["视频点播许可"],
    "广播电台、电视台变更台名、台标、节目设置范围或节目套数审批": ["电视台变更", "电台变更"],
    "广播电台、电视台设立、终止审批": ["设立电视台", "设立电台"],
    "设置卫星电视广播地面接收设施审批": ["卫星天线", "卫星电视接收"],
    "广播电视节目制作经营单位设立审批": ["节目制作许可", "广播电视节目制作经营许可证"],
    "标准化评审单位资格认证": ["安全生产标准化评审"],
    "公众聚集场所投入使用、营业前消防安全检查": ["消防检查", "开业消防检查", "消防安全检查"],
    "棉花复验仲裁": ["棉花检验仲裁"],
    "纤维检验的复验仲裁": ["纤维检验复验"],
    "第二类精神药品零售业务审批": ["精神药品零售"],
    "广告发布登记": ["广告登记", "广告发布许可"],
    "质量监管法律法规政策宣传、咨询服务": ["质量监管咨询", "产品质量咨询"],
    "提供统计信息咨询服务": ["统计数据查询", "统计信息"],
    "统计专业技术职务资格考试咨询": ["统计师考试", "统计职称考试"],
    "对外国留学人员在中国境内参加考古调查、勘探、发掘审核": ["外国留学生考古"],
    "文物保护工程(勘察设计资质丙级、施工资质三级和监理资质丙级)资质审批": ["文物保护工程资质"],
    "文物商店设立的许可": ["开文物商店", "文物店"],
    "文物的认定": ["文物鉴定", "文物认定"],
}
