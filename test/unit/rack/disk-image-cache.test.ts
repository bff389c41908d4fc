/** When the lab's cached boot disk may be reused (backend/rack/boot/disk-image.ts). Pure. */
import { cachedImageFits, syslinuxConfig } from "../../../backend/rack/boot/disk-image";

const config = syslinuxConfig(["console=ttyS0", "no_timer_check"]);

describe("a cached disk image", () => {
  it("is reused when newer than the environment and made with the same boot config", () => {
    expect(cachedImageFits({ imageMtimeMs: 2, initrdMtimeMs: 1, madeWith: config, config })).toBe(true);
    expect(cachedImageFits({ imageMtimeMs: 1, initrdMtimeMs: 1, madeWith: config, config })).toBe(true);
  });

  it("is rebuilt when the environment is newer, the kernel arguments changed, or nothing says how it was made", () => {
    expect(cachedImageFits({ imageMtimeMs: 1, initrdMtimeMs: 2, madeWith: config, config })).toBe(false);
    const before = syslinuxConfig(["console=ttyS0"]);
    expect(cachedImageFits({ imageMtimeMs: 2, initrdMtimeMs: 1, madeWith: before, config })).toBe(false);
    expect(cachedImageFits({ imageMtimeMs: 2, initrdMtimeMs: 1, madeWith: undefined, config })).toBe(false);
  });

  it("boot config carries the disk mode first, then the arguments in order", () => {
    expect(config).toContain("  APPEND fibrix.mode=disk console=ttyS0 no_timer_check\n");
  });
});
