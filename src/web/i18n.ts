/**
 * Two locales, zh-CN and en, switchable and remembered (localStorage). Messages are typed: every key of the
 * English dictionary must have a Chinese text (a missing one is a compile error), which is why this is a few lines
 * here rather than a library. Dates, numbers and plurals go through Intl in the chosen locale; instants are shown
 * in China Standard Time, the time zone of the register's deadlines.
 */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { messages, type MessageKey } from './messages/index.ts';

export type Locale = 'zh-CN' | 'en';
export const locales: readonly Locale[] = ['zh-CN', 'en'];
export const timeZone = 'Asia/Shanghai';
const storageKey = 'credence.locale';

export function initialLocale(): Locale {
  const stored = globalThis.localStorage?.getItem(storageKey);
  if (stored === 'zh-CN' || stored === 'en') return stored;
  return (globalThis.navigator?.language ?? 'zh-CN').toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export function rememberLocale(locale: Locale): void {
  globalThis.localStorage?.setItem(storageKey, locale);
  document.documentElement.lang = locale;
}

export type Params = Readonly<Record<string, string | number>>;
/** A text the server sends in both languages. */
export type Localized = Readonly<Record<Locale, string>>;

export interface I18n {
  readonly locale: Locale;
  setLocale(locale: Locale): void;
  /** The message for a key, with {name} placeholders filled (numbers formatted for the locale). */
  t(key: MessageKey, params?: Params): string;
  /** The text in the chosen language of a server's bilingual field. */
  pick(text: Localized | undefined): string;
  instant(iso: string | number | undefined): string;
  date(iso: string | number | undefined): string;
  number(n: number): string;
  month(yyyyMm: string): string;
}

export function makeI18n(locale: Locale, setLocale: (l: Locale) => void): I18n {
  const dictionary = messages[locale];
  const numbers = new Intl.NumberFormat(locale);
  const instants = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone });
  const dates = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone });
  const months = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', timeZone: 'UTC' });
  const toDate = (v: string | number) => new Date(typeof v === 'number' ? v : Date.parse(v));
  return {
    locale,
    setLocale,
    t(key, params) {
      const text = dictionary[key];
      if (params === undefined) return text;
      return text.replaceAll(/\{(\w+)\}/g, (whole, name: string) => {
        const value = params[name];
        if (value === undefined) return whole;
        return typeof value === 'number' ? numbers.format(value) : value;
      });
    },
    pick: (text) => (text === undefined ? '' : (text[locale] ?? text.en)),
    instant: (v) => (v === undefined ? '—' : instants.format(toDate(v))),
    date: (v) => (v === undefined ? '—' : dates.format(toDate(v))),
    number: (n) => numbers.format(n),
    month: (m) => months.format(new Date(`${m}-01T00:00:00Z`)),
  };
}

export const I18nContext = createContext<I18n>(makeI18n('en', () => undefined));

export function useI18n(): I18n {
  return useContext(I18nContext);
}
