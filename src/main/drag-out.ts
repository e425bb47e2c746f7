import { nativeImage, type NativeImage, type WebContents } from 'electron';

const ICON_SIZE = 96;

/**
 * The picture under the pointer while a photo is dragged out: the system's own thumbnail where
 * there is one (macOS, Windows), else the photo itself scaled down (JPEG and PNG). macOS refuses
 * a drag without an icon, so it gets the thumbnail; elsewhere an unreadable photo drags iconless.
 */
async function dragIcon(file: string): Promise<NativeImage> {
  if (process.platform === 'darwin' || process.platform === 'win32') {
    try {
      return await nativeImage.createThumbnailFromPath(file, { width: ICON_SIZE, height: ICON_SIZE });
    } catch {
      // Not a type the system can preview: fall back to decoding it here.
    }
  }
  const image = nativeImage.createFromPath(file);
  if (image.isEmpty()) return image;
  const { width, height } = image.getSize();
  return width >= height
    ? image.resize({ width: Math.min(ICON_SIZE, width) })
    : image.resize({ height: Math.min(ICON_SIZE, height) });
}

/** Lets the OS drag a (library, already checked) photo out of the window as a file. */
export async function startFileDrag(sender: WebContents, file: string): Promise<void> {
  const icon = await dragIcon(file);
  if (!sender.isDestroyed()) sender.startDrag({ file, icon });
}
