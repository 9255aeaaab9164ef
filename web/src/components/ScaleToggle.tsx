/** The "logarithmic scale" checkbox of a chart. */
export const ScaleToggle = ({ id, log, onChange }: { id: string; log: boolean; onChange: (log: boolean) => void }) => (
  <label className="checkbox" htmlFor={id}>
    <input id={id} type="checkbox" checked={log} onChange={(e) => onChange(e.target.checked)} /> Logarithmic scale
  </label>
);
