"""The console's message catalog: Simplified Chinese (default) and English for navigation, titles and notices.

    t = translator("zh")          # or "en"
    t("nav.queue")                # -> "待办办件"

Page bodies are Chinese in the templates; the strings here are the ones shared between pages (navigation,
page titles, the one-line notices shown after an action). A key missing from English falls back to Chinese,
and a key missing everywhere is shown as the key itself so a gap is visible rather than blank.
"""

from __future__ import annotations

from collections.abc import Callable

LANGUAGES = ("zh", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "zh": {
        "app.title": "区政务服务中心管理台",
        "nav.home": "首页",
        "nav.queue": "待办办件",
        "nav.supervision": "电子监察",
        "nav.followups": "差评回访",
        "nav.catalog": "事项清单",
        "nav.calendar": "节假日安排",
        "nav.search_misses": "未找到的搜索",
        "nav.stations": "便民服务站",
        "nav.logout": "退出登录",
        "role.catalog_admin": "事项清单管理员",
        "role.reviewer": "审批人员",
        "role.supervisor": "监察人员",
        "role.station_admin": "服务站管理员",
        "role.user_admin": "账号管理员",
        "nav.users": "工作人员账号",
        "msg.user_created": "账号已创建。请当面告知初始密码。",
        "msg.accepted": "已受理，办件进入审查。",
        "msg.supplement": "已发出补齐补正通知，服务站同步后即可告知申请人。",
        "msg.supplied": "已确认收到补正材料，办件回到审查中。",
        "msg.waived": "已免于补交该容缺材料，办件可以办结和送达。",
        "msg.decided": "已办结，结果已发送到服务站。",
        "msg.result_ready": "已通知服务站结果待领取。",
        "msg.routed": "已按全市通办转属地服务站办理。",
        "msg.result_uploaded": "结果文件已上传。",
        "msg.followup_closed": "回访整改已关闭。",
        "msg.rectified": "整改情况已录入。",
        "msg.revisit_recorded": "回访评价已录入。",
        "msg.register_exported": "帮办代办登记已导出。",
        "nav.register": "帮办代办登记",
        "msg.staged": "表格已导入，请核对下方变更后发布。",
        "msg.previewed": "已读取表格，尚未导入：请核对下方预览和列对应，再确认导入。",
        "msg.preview_errors": "表格仍有错误，未导入：请按下表修改后重新上传，或调整列对应。",
        "msg.mapping_saved": "列对应已保存，今后导入相同表头的表格会按此对应。",
        "msg.pending_discarded": "已放弃本次导入。",
        "msg.pending_replaced": "该预览已被新的上传替换，请核对最新的预览。",
        "msg.item_saved": "事项已保存到待发布目录。",
        "msg.discarded": "已放弃待发布目录。",
        "msg.published": "目录已发布，服务站下次同步即可收到。",
        "msg.calendar_published": "节假日安排已发布。",
        "msg.synonyms_saved": "同义词表已保存到待发布目录，发布后服务站才会使用。",
        "msg.keyword_added": "已加为关键词（在待发布目录中），发布后服务站即可搜到。",
        "msg.station_revoked": "服务站已停用，其后续同步请求将被拒绝。",
        "msg.logged_out": "您已退出登录。",
        "msg.expired": "登录已过期，请重新登录。",
    },
    "en": {
        "app.title": "District Service Center Console",
        "nav.home": "Home",
        "nav.queue": "Case queue",
        "nav.supervision": "Supervision",
        "nav.followups": "Rating follow-ups",
        "nav.catalog": "Service catalog",
        "nav.calendar": "Holiday calendar",
        "nav.search_misses": "Failed searches",
        "nav.stations": "Stations",
        "nav.logout": "Sign out",
        "role.catalog_admin": "Catalog admin",
        "role.reviewer": "Reviewer",
        "role.supervisor": "Supervisor",
        "role.station_admin": "Station admin",
        "role.user_admin": "Account admin",
        "nav.users": "Accounts",
        "msg.user_created": "Account created. Tell the person the initial password in person.",
        "msg.accepted": "Accepted; the case is under review.",
        "msg.supplement": "Supplement request sent to the station.",
        "msg.supplied": "Supplement received; the case is back under review.",
        "msg.waived": "The deferred material is waived; the case may be decided and handed over.",
        "msg.decided": "Decided; the result was sent to the station.",
        "msg.result_ready": "The station was told the result is ready for pickup.",
        "msg.routed": "Routed to the jurisdiction's station.",
        "msg.result_uploaded": "Result document uploaded.",
        "msg.followup_closed": "Follow-up closed.",
        "msg.rectified": "Rectification recorded.",
        "msg.revisit_recorded": "Revisit rating recorded.",
        "msg.register_exported": "Assisted filing register exported.",
        "nav.register": "Assisted filings",
        "msg.staged": "Spreadsheet imported; review the changes below, then publish.",
        "msg.previewed": "Spreadsheet read, not imported yet: check the preview and mapping, then confirm.",
        "msg.preview_errors": "The spreadsheet has errors, nothing imported: fix them or adjust the mapping.",
        "msg.mapping_saved": "Column mapping saved; later imports with the same headers map the same way.",
        "msg.pending_discarded": "Import abandoned.",
        "msg.pending_replaced": "That preview was replaced by a newer upload; check the latest preview.",
        "msg.item_saved": "Item saved into the staged catalog.",
        "msg.discarded": "Staged catalog discarded.",
        "msg.published": "Catalog published; stations receive it on their next sync.",
        "msg.calendar_published": "Holiday calendar published.",
        "msg.synonyms_saved": "Synonym table saved to the staged catalog; stations use it once published.",
        "msg.keyword_added": "Added as a keyword (staged); stations find it once the catalog is published.",
        "msg.station_revoked": "Station revoked; its requests are refused from now on.",
        "msg.logged_out": "You have signed out.",
        "msg.expired": "Your session expired; please sign in again.",
    },
}


def translator(lang: str) -> Callable[[str], str]:
    table = MESSAGES.get(lang, MESSAGES["zh"])
    fallback = MESSAGES["zh"]

    def t(key: str) -> str:
        return table.get(key) or fallback.get(key) or key

    return t


def is_message(key: str) -> bool:
    return key in MESSAGES["zh"]
