/**
 * Pieces the public pages share: a rule's effects, repeat, cap and repair in words; a list's colour as text; the
 * kinds of subject; a translated text with elements in its {placeholders}.
 */
import { Fragment, type ComponentChildren } from 'preact';
import type { CatalogDraft, Category, Effect, RepairPolicy, Rule } from '../../../core/catalog.ts';
import { useI18n, type I18n } from '../../i18n.ts';
import type { MessageKey } from '../../messages/index.ts';
import type { VersionStatus } from './data.ts';
import './public.css';

type SubjectKind = CatalogDraft['scheme']['subjectKinds'][number];

export function kindsText(kinds: readonly SubjectKind[], i18n: I18n): string {
  return kinds.map((k) => i18n.t(`public.kind.${k}`)).join(i18n.locale === 'zh-CN' ? '、' : ', ');
}

export const categoryKey = (c: Category): MessageKey => `public.category.${c}`;

export const statusKey = (s: VersionStatus): MessageKey => `public.catalog.status.${s}`;

/** Black or red, said in words (the colour is decoration only). */
export function ListColour({ color }: { readonly color: 'black' | 'red' }) {
  const { t } = useI18n();
  return <span class={`badge list-${color}`}>{t(`public.colour.${color}`)}</span>;
}

/** Signed points: +10, −5. */
export function signed(points: number, i18n: I18n): string {
  return points > 0 ? `+${i18n.number(points)}` : i18n.number(points);
}

function listTitle(catalog: CatalogDraft, id: string, i18n: I18n): string {
  const list = catalog.scheme.lists.find((l) => l.id === id);
  return list === undefined ? id : i18n.pick(list.title);
}

/** One effect of a rule, in a sentence (points by amount: a sentence and its bands). */
export function effectText(effect: Effect, catalog: CatalogDraft, i18n: I18n): string {
  const { t } = i18n;
  switch (effect.kind) {
    case 'points':
      return t('public.effect.points', { points: signed(effect.points, i18n) });
    case 'points_by_amount':
      return [
        t('public.effect.pointsByAmount'),
        effect.bands
          .map((b) =>
            b.upTo === undefined
              ? t('public.effect.bandAbove', { points: signed(b.points, i18n) })
              : t('public.effect.bandUpTo', { amount: b.upTo, points: signed(b.points, i18n) }),
          )
          .join(i18n.locale === 'zh-CN' ? '；' : '; '),
      ].join(' ');
    case 'grade':
      return t('public.effect.grade', { grade: effect.grade });
    case 'listing': {
      const list = catalog.scheme.lists.find((l) => l.id === effect.list);
      const title = listTitle(catalog, effect.list, i18n);
      return effect.termDays !== undefined
        ? t('public.effect.listingTerm', { list: title, days: effect.termDays })
        : t('public.effect.listingUntil', { list: title, days: list?.maxTermDays ?? 0 });
    }
    case 'extension':
      return t('public.effect.extension', { list: listTitle(catalog, effect.list, i18n), days: effect.days });
    case 'delisting':
      return t('public.effect.delisting', { list: listTitle(catalog, effect.list, i18n) });
    case 'reset':
      return t('public.effect.reset');
  }
}

export function repairText(repair: RepairPolicy, i18n: I18n): string {
  return i18n.t('public.repair.terms', {
    days: repair.minimumDays,
    conditions: repair.conditions.map((c) => i18n.t(`public.repair.${c}`)).join(i18n.locale === 'zh-CN' ? '、' : ', '),
    working: repair.reviewWorkingDays,
  });
}

/** Everything a rule does, one line each: its effects, then repeat escalation, cap, repair and note. */
export function ruleLines(rule: Rule, catalog: CatalogDraft, i18n: I18n): string[] {
  const { t } = i18n;
  return [
    ...rule.effects.map((e) => effectText(e, catalog, i18n)),
    ...(rule.repeat
      ? [t('public.rule.repeat', { multiplier: rule.repeat.multiplier, max: rule.repeat.multiplierMax })]
      : []),
    ...(rule.cap ? [t('public.rule.cap', { points: rule.cap.points, days: rule.cap.windowDays })] : []),
    ...(rule.repair ? [t('public.rule.repair', { terms: repairText(rule.repair, i18n) })] : []),
    ...(rule.note ? [t('public.rule.note', { note: rule.note })] : []),
  ];
}

/** A translated text whose {name} placeholders are elements (a link, a code span). */
export function withNodes(text: string, nodes: Readonly<Record<string, ComponentChildren>>) {
  return text
    .split(/\{(\w+)\}/)
    .map((part, i) => <Fragment key={i}>{i % 2 === 1 ? (nodes[part] ?? `{${part}}`) : part}</Fragment>);
}
