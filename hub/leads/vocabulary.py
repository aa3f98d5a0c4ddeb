"""The small word lists the inquiry rules rely on, in English and Chinese.

Units are canonical across languages (``盏``, ``个``, ``pieces`` all become ``pcs``)
so a quantity asked on WhatsApp in Chinese compares with an ERP stock level kept in
``pcs``. Extending the vocabulary is the intended way to teach the extractor a trade's
words; each list says what it is for.
"""

from __future__ import annotations

__all__ = ["EN_LEAD_INS", "EN_NON_PRODUCTS", "EN_STOP_WORDS", "EN_UNITS", "MEASURED_UNITS",
           "PRODUCT_LABELS", "QUANTITY_LABELS", "ZH_LEAD_INS", "ZH_NON_PRODUCTS",
           "ZH_STOP_WORDS", "ZH_UNITS"]

EN_UNITS: dict[str, str] = {
    **dict.fromkeys(("pc", "pcs", "pce", "pces", "piece", "pieces"), "pcs"),
    **dict.fromkeys(("unit", "units"), "units"),
    **dict.fromkeys(("set", "sets"), "sets"),
    **dict.fromkeys(("carton", "cartons", "ctn", "ctns"), "cartons"),
    **dict.fromkeys(("box", "boxes"), "boxes"),
    **dict.fromkeys(("case", "cases"), "cases"),
    **dict.fromkeys(("pallet", "pallets", "plt", "plts"), "pallets"),
    **dict.fromkeys(("container", "containers", "cntr", "cntrs"), "containers"),
    **dict.fromkeys(("pair", "pairs", "prs"), "pairs"),
    **dict.fromkeys(("dozen", "dozens", "doz", "dz"), "dozen"),
    **dict.fromkeys(("roll", "rolls"), "rolls"),
    **dict.fromkeys(("bag", "bags"), "bags"),
    **dict.fromkeys(("bottle", "bottles"), "bottles"),
    **dict.fromkeys(("sheet", "sheets"), "sheets"),
    **dict.fromkeys(("pack", "packs", "pkg", "pkgs", "package", "packages"), "packs"),
    **dict.fromkeys(("kg", "kgs", "kilo", "kilos", "kilogram", "kilograms"), "kg"),
    **dict.fromkeys(("ton", "tons", "tonne", "tonnes", "mt"), "t"),
    **dict.fromkeys(("m", "meter", "meters", "metre", "metres"), "m"),
    **dict.fromkeys(("l", "liter", "liters", "litre", "litres"), "l"),
}
"""English unit words → canonical unit."""

MEASURED_UNITS = frozenset({"kg", "kgs", "m", "l", "mt"})
"""Abbreviations that are also specifications when glued to a number (``1.2m tube``,
``5l bottle``); they count as an order quantity only when spaced or followed by ``of``."""

ZH_UNITS: dict[str, str] = {
    **dict.fromkeys(("个", "盏", "台", "件", "只", "支", "根", "块", "张", "条", "把", "片",
                     "颗", "部", "枚", "座", "辆", "面", "樘"), "pcs"),
    **dict.fromkeys(("套",), "sets"),
    **dict.fromkeys(("箱", "纸箱"), "cartons"),
    **dict.fromkeys(("盒",), "boxes"),
    **dict.fromkeys(("托", "卡板"), "pallets"),
    **dict.fromkeys(("柜", "个柜", "货柜", "集装箱"), "containers"),
    **dict.fromkeys(("双", "对"), "pairs"),
    **dict.fromkeys(("打",), "dozen"),
    **dict.fromkeys(("卷",), "rolls"),
    **dict.fromkeys(("袋", "包"), "bags"),
    **dict.fromkeys(("瓶",), "bottles"),
    **dict.fromkeys(("公斤", "千克"), "kg"),
    **dict.fromkeys(("吨",), "t"),
    **dict.fromkeys(("米",), "m"),
    **dict.fromkeys(("升",), "l"),
}
"""Chinese measure words (量词) → canonical unit."""

EN_NON_PRODUCTS = frozenset({
    "day", "days", "week", "weeks", "month", "months", "year", "years", "hour", "hours",
    "minute", "minutes", "min", "mins", "second", "seconds", "time", "times", "working",
    "business", "question", "questions", "people", "persons", "person", "employees",
    "workers", "percent", "colors", "colours", "color", "colour", "sizes", "size",
    "options", "years'", "usd", "dollars", "dollar", "euros", "euro", "yuan", "rmb",
    "am", "pm", "o'clock", "ft", "feet", "inch", "inches", "hq", "gp", "of",
})
"""Nouns after a bare number that make it something other than an order quantity."""

ZH_NON_PRODUCTS = ("天", "日", "周", "星期", "月", "年", "小时", "分钟", "次", "元", "美元",
                   "人", "种", "号", "点", "岁", "工作日", "报价", "问题", "价格", "钱")
"""Prefixes of what follows a Chinese quantity that make it not an order quantity."""

EN_STOP_WORDS = frozenset({
    "for", "to", "by", "in", "at", "before", "within", "please", "pls", "plz", "and",
    "&", "with", "each", "per", "if", "as", "asap", "urgently", "urgent", "delivered",
    "shipped", "delivery", "price", "prices", "pricing", "quote", "quotation", "thanks",
    "thank", "thx", "also", "plus", "or", "but", "from", "via", "can", "could", "would",
    "will", "we", "i", "is", "are", "what", "how", "when", "do", "does", "this", "next",
    "monthly", "weekly", "every", "until", "on", "ship", "shipping", "cif", "fob", "exw",
    "ddp", "dap", "cfr", "total", "sample", "samples", "at", "about", "approx", "approx.",
})
"""Words that end a product name read after a quantity."""

EN_LEAD_INS = frozenset({
    "need", "needs", "needed", "want", "wants", "require", "required", "requires",
    "quote", "quotation", "order", "ordering", "buy", "buying", "purchase", "purchasing",
    "for", "us", "me", "please", "pls", "plz", "hi", "hello", "dear", "qty", "quantity",
    "and", "also", "plus", "the", "of", "looking", "interested", "in", "price", "send",
    "offer", "get", "about", "approx", "approx.", "around", "we", "i", "our", "your",
    "item", "product", "is", "are", "would", "like", "to", "a", "an", "some", "x",
})
"""Words that come before a product named ahead of its quantity; the product starts
after the last of them (``we need LED panels: 500 pcs`` → ``LED panels``)."""

ZH_STOP_WORDS = ("的报价", "的价格", "的单价", "的价钱", "的样品", "的交期", "的货期", "报价",
                 "价格", "请", "麻烦", "谢谢", "以及", "还有", "另外", "左右", "多少钱",
                 "吗", "呢", "每", "用于", "发到", "送到", "交货", "要求", "和", "及", "，")
"""Text that ends a Chinese product name read after a quantity."""

ZH_LEAD_INS = ("我们公司", "我们", "我司", "我", "公司", "需要", "想要", "要", "采购", "订购",
               "购买", "买", "订", "求购", "询价", "请报价", "报价", "请问", "请", "帮忙",
               "你们", "贵司", "有", "另外", "还要", "还需要", "和", "以及", "数量", "共",
               "另", "再", "大约", "约", "想", "：", ":", "的")
"""Prefixes stripped from a Chinese product named ahead of its quantity."""

PRODUCT_LABELS = ("product name", "product", "item", "description", "goods", "品名",
                  "产品名称", "产品", "商品", "名称", "货物")
QUANTITY_LABELS = ("order quantity", "quantity", "qty", "订购数量", "采购数量", "数量")
"""Form-style inquiries (``Product: LED lamp`` / ``Qty: 1000 pcs``) pair these labels."""
