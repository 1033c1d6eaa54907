"""The platform's shared vocabulary: agencies and incident categories.

Categories are plain codes on the wire (not a protobuf enum) so a new category is a data
change here, not a contract change; every entry point validates against this table.
"""

from dataclasses import dataclass

AGENCIES: tuple[str, ...] = ("oilfield", "localgov", "military", "school")


@dataclass(frozen=True)
class Category:
    code: str
    name_zh: str
    name_en: str


_CATEGORIES = (
    Category("pipeline_tapping", "打孔盗油", "Pipeline tapping"),
    Category("illegal_crude_purchase", "非法收油点", "Illegal crude purchase point"),
    Category("oil_area_dispute", "油区工农纠纷", "Worker-farmer dispute in oil area"),
    Category("police_call", "110警情", "110 police call"),
    Category("civil_dispute", "矛盾纠纷", "Civil dispute"),
    Category("construction_extortion", "工地强揽强卖", "Construction-site extortion"),
    Category("construction_dispute", "建筑市场纠纷", "Construction market dispute"),
    Category("wage_arrears", "拖欠农民工工资", "Migrant workers' wage arrears"),
    Category("floating_population", "流动人口管理", "Floating population issue"),
    Category("rental_housing", "出租房屋", "Rental housing issue"),
    Category("mass_incident", "群体性事件", "Mass incident"),
    Category("militia_support", "民兵支援", "Militia support"),
    Category("campus_safety", "校园安全", "Campus safety"),
    Category("school_surroundings", "校园周边隐患", "Hazard near a school"),
    Category("key_person", "重点人员", "Key person"),
    Category("networked_alarm", "联网报警", "Networked alarm"),
    Category("fire", "火情", "Fire"),
    Category("traffic_accident", "交通事故", "Traffic accident"),
)

CATEGORIES: dict[str, Category] = {c.code: c for c in _CATEGORIES}

# Dongying District, GB/T 2260.
DISTRICT_ADMIN_CODE = "370502"
