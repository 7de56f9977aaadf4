"""Analytics exports of our own, shaped as GA4 (English and Japanese UI) and Matomo write them."""

GA4_EN_MAY = """# ----------------------------------------
# Pages and screens: Page path and screen class
# Account: Kansai
# Property: Your Gateway to Kansai Business
# ----------------------------------------
#
# Start date: 20260501
# End date: 20260531
Page path and screen class,Views,Active users,Views per active user,Average engagement time
,"1,530",812,1.88,41.2
/,900,500,1.8,30
/en/invest/,"430",200,2.15,50
/en/visit/,200,112,1.79,40
"""

#: The Japanese UI's labels, saved by Excel as Shift_JIS; the total row at the end.
GA4_JA_JUNE = """# ----------------------------------------
# ページとスクリーン: ページパスとスクリーン クラス
# ----------------------------------------
# 開始日: 20260601
# 終了日: 20260630
ページパスとスクリーン クラス,表示回数,アクティブ ユーザー
/,"１,２００",600
/en/invest/,300,150
合計,"1,500",750
"""

#: An Exploration with a Date dimension across March and April (two fiscal years).
GA4_DAILY_MARCH_APRIL = """# Start date: 20270330
# End date: 20270402
Date,Page path and screen class,Views,Sessions
20270330,/,10,8
20270331,/,20,15
20270401,/,40,30
20270402,/,5,4
"""

GA4_TWO_MONTHS = """# Start date: 20260501
# End date: 20260630
Page path and screen class,Views
/,900
"""

GA4_BAD_ROWS = """# Start date: 20260701
# End date: 20260731
Page path and screen class,Views,Active users
/,九百,3
/a,12,x
"""

GA4_NO_PERIOD = """Page path and screen class,Views
/,900
"""

#: Matomo's Actions.getPageUrls (flat=1) in its default CSV: UTF-16 with BOM.
MATOMO_JULY = """label,nb_visits,nb_hits,sum_time_spent,bounce_rate
/index,300,420,5000,40%
/labs/search,150,380,3000,30%
"""

#: Matomo's VisitsSummary over a year by month: nb_visits are sessions here.
MATOMO_SUMMARY = """date,nb_uniq_visitors,nb_visits,nb_actions
2026-04,900,1200,3000
2026-05,950,1300,3300
"""
