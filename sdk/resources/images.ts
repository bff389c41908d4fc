/** `client.images`: the base image catalogue (operators register and delete; everyone reads). */
import type { Image, ImageCreate, ImageHostStatus } from "../schema/image";
import { type StatusWaitOptions, waitForStatus } from "../waiters";
import { Collection, type CreateOptions, type DeleteOptions } from "./collection";

export type ImageFilters = Record<never, never>;

export class ImagesClient extends Collection<Image, ImageFilters> {
  /** Registers the image; the region queues its import on every VM host. */
  create(body: ImageCreate, opts: CreateOptions = {}): Promise<Image> {
    return this.createWith(body, opts);
  }

  /** Refused (409) while VMs use the image. */
  async delete(id: string, opts: DeleteOptions = {}): Promise<void> {
    await this.deleteWith(id, opts);
  }

  /** Waits until every VM host has the image; `failed` (on any host) ends the wait with the host's reason. */
  waitForStatus(
    id: string,
    want: ImageHostStatus | readonly ImageHostStatus[] = "ready",
    opts: StatusWaitOptions<ImageHostStatus, Image> = {},
  ): Promise<Image> {
    return waitForStatus(`image ${id}`, () => this.get(id), want, opts, ["failed"]);
  }
}
