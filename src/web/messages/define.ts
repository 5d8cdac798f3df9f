/** A dictionary of one area of the app: English texts, and the Chinese text of every one of them. */
export function defineMessages<const En extends Record<string, string>>(
  en: En,
  zh: { readonly [K in keyof En]: string },
): { readonly en: En; readonly 'zh-CN': { readonly [K in keyof En]: string } } {
  return { en, 'zh-CN': zh };
}
