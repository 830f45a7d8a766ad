// The tray icon and its menu. Every change builds a new menu and calls `setContextMenu` again: Linux
// (StatusNotifierItem / AppIndicator) ignores in-place changes to a menu it already has.
import { join } from 'node:path';
import type { ElectronApi, TrayLike } from './electron-api.js';
import { toTemplate, type MenuAction, type MenuNode } from './menu-model.js';
import type { TrayView } from './tray-state.js';

export interface TrayControllerOptions {
  electron: Pick<ElectronApi, 'Tray' | 'Menu'>;
  /** Directory holding build/tray's images (resources/tray when packaged). */
  imageDir: string;
  platform: NodeJS.Platform;
  dispatch: (action: MenuAction) => void;
  /** Left click (where the platform reports it): the inbox. Never the only way to do anything. */
  onClick?: () => void;
}

export class TrayController {
  readonly #options: TrayControllerOptions;
  #tray: TrayLike | undefined;
  #image = '';
  #tooltip = '';
  #menuKey = '';

  constructor(options: TrayControllerOptions) {
    this.#options = options;
  }

  /** Shows `view` and `menu`; a no-op when nothing changed. */
  render(view: TrayView, menu: MenuNode[]): void {
    const image = join(this.#options.imageDir, view.image.file);
    if (!this.#tray) {
      this.#tray = new this.#options.electron.Tray(image);
      this.#image = image;
      const onClick = this.#options.onClick;
      if (onClick) this.#tray.on('click', () => onClick());
    } else if (image !== this.#image) {
      this.#tray.setImage(image);
      this.#image = image;
    }
    if (view.tooltip !== this.#tooltip) {
      this.#tray.setToolTip(view.tooltip);
      this.#tooltip = view.tooltip;
    }
    const menuKey = JSON.stringify(menu);
    if (menuKey !== this.#menuKey) {
      this.#tray.setContextMenu(this.#options.electron.Menu.buildFromTemplate(toTemplate(menu, this.#options.dispatch, this.#options.platform)));
      this.#menuKey = menuKey;
    }
  }

  destroy(): void {
    this.#tray?.destroy();
    this.#tray = undefined;
    this.#menuKey = '';
  }
}
