/** The hidden CSRF input every form carries. */
export const CsrfField = (props: { token: string }) => (
  <input type="hidden" name="_csrf" value={props.token} />
);
