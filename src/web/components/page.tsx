/** The frame of one page: its heading (focused after navigation, so keyboard and screen-reader users land there) and title. */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { useI18n } from '../i18n.ts';

export function Page({
  title,
  intro,
  children,
}: {
  readonly title: string;
  readonly intro?: ComponentChildren;
  readonly children?: ComponentChildren;
}) {
  const { t } = useI18n();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · ${t('app.name')}`;
  }, [title, t]);
  useEffect(() => {
    // After a navigation (not on the first load), land on the new page's heading.
    if (document.activeElement !== document.body) heading.current?.focus();
  }, []);
  return (
    <article class="page">
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {intro !== undefined && <div class="intro">{intro}</div>}
      {children}
    </article>
  );
}

/** Links to the pages of one area (a console's sections). */
export function SubNav({
  label,
  links,
}: {
  readonly label: string;
  readonly links: readonly { readonly href: string; readonly text: string }[];
}) {
  const here = globalThis.location?.pathname ?? '';
  return (
    <nav class="subnav" aria-label={label}>
      <ul>
        {links.map((l) => (
          <li key={l.href}>
            <a href={l.href} aria-current={here === l.href ? 'page' : undefined}>
              {l.text}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
