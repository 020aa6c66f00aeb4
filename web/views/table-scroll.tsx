/**
 * A wide table that scrolls sideways inside its card, never the page (a phone is 390 px wide).
 * The region (a named section) takes focus so the keyboard can scroll it too, and is named for a screen reader.
 */
import type { Child } from 'hono/jsx';

export const TableScroll = (props: { label: string; children: Child }) => (
  <section class="table-scroll" tabindex={0} aria-label={props.label}>
    {props.children}
  </section>
);
