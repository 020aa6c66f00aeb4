/**
 * A wide table that scrolls sideways inside its card, never the page (a phone is 390 px wide).
 * The region takes focus so the keyboard can scroll it too, and is named for a screen reader.
 */
import type { Child } from 'hono/jsx';

export const TableScroll = (props: { label: string; children: Child }) => (
  <div class="table-scroll" tabindex={0} role="region" aria-label={props.label}>
    {props.children}
  </div>
);
