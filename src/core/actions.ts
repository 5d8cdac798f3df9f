/**
 * The closed set of action codes a service point may ask about. A measure may only name these. Each action has a
 * default outcome for a subject with no measure on it: ordinary services are allowed; privileges that only an
 * incentive grants (a green channel, a deposit waiver) are not.
 */

export type Outcome = 'allow' | 'deny';

export interface ActionDefinition {
  readonly code: string;
  readonly title: { readonly 'zh-CN': string; readonly en: string };
  readonly outcomeDefault: Outcome;
}

const action = (code: string, zh: string, en: string, outcomeDefault: Outcome = 'allow'): ActionDefinition => ({
  code,
  title: { 'zh-CN': zh, en },
  outcomeDefault,
});

export const actions: readonly ActionDefinition[] = [
  action('travel.flight', '乘坐飞机', 'Buy a flight ticket'),
  action('travel.rail.g_series', '乘坐G字头动车组列车', 'Any seat on a G-series high-speed train'),
  action('travel.rail.first_class', '乘坐动车组列车一等座', 'First class on other bullet trains'),
  action('travel.rail.soft_sleeper', '乘坐列车软卧', 'A soft sleeper on a train'),
  action('travel.rail.any', '乘坐火车', 'Any train travel'),
  action('travel.ship.cabin', '乘坐轮船二等以上舱位', 'A ship cabin of second class or above'),
  action('travel.holiday', '旅游度假', 'Holiday travel'),
  action('hotel.star_rated', '在星级以上宾馆消费', 'A star-rated hotel'),
  action('leisure.high_consumption', '在夜总会、高尔夫球场等高消费场所消费', 'Nightclubs, golf and similar venues'),
  action('property.purchase', '购买不动产', 'Buy real property'),
  action('vehicle.purchase', '购买非经营必需车辆', 'Buy a vehicle not needed for business'),
  action('office.lease_high_end', '租赁高档写字楼', 'Lease a high-end office'),
  action('insurance.high_premium', '购买高收益保险理财产品', 'Buy high-premium insurance products'),
  action('procurement.bid', '参与政府采购和招标投标', 'Bid in government procurement'),
  action('finance.executive_role', '担任金融机构高管', 'Hold an executive role in a financial institution'),
  action('visa.issue', '签证签发与延期', 'Issue or extend a visa'),
  action('pet.keep_dog', '饲养犬只', 'Keep a dog'),
  action('inspection.exempt', '免于日常检查', 'Exemption from routine inspection', 'deny'),
  action('service.green_channel', '绿色通道', 'Green channel for approvals', 'deny'),
  action('rental.deposit_free', '免押金租借', 'Deposit-free hire', 'deny'),
  action('community.award', '社区评优评先', 'Community awards'),
];

const actionsByCode = new Map(actions.map((a) => [a.code, a]));

export function findAction(code: string): ActionDefinition | undefined {
  return actionsByCode.get(code);
}
