/** The keyboard as input bits: arrows or WASD (by key position, so it works on any layout). */
import { Input } from "../../demo-node/game/protocol.js";

const KEYS: Record<string, number> = {
  ArrowUp: Input.Up,
  KeyW: Input.Up,
  ArrowDown: Input.Down,
  KeyS: Input.Down,
  ArrowLeft: Input.Left,
  KeyA: Input.Left,
  ArrowRight: Input.Right,
  KeyD: Input.Right,
};

/** Calls `onChange` with the held direction bits whenever they change. */
export function watchKeys(target: Window, onChange: (keys: number) => void): void {
  const held = new Set<string>();
  let keys = 0;
  const update = () => {
    let next = 0;
    for (const code of held) next |= KEYS[code] ?? 0;
    if (next === keys) return;
    keys = next;
    onChange(keys);
  };
  target.addEventListener("keydown", (event) => {
    const code = KEYS[event.code] !== undefined ? event.code : event.key;
    if (KEYS[code] === undefined || event.ctrlKey || event.metaKey || event.altKey) return;
    event.preventDefault(); // arrows would scroll the page
    held.add(code);
    update();
  });
  target.addEventListener("keyup", (event) => {
    held.delete(event.code);
    held.delete(event.key);
    update();
  });
  // Keys released while the window had no focus never send a keyup.
  target.addEventListener("blur", () => {
    held.clear();
    update();
  });
}
