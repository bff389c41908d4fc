/**
 * `fibrix_images`: the base images VMs can be created from. The region API has no image
 * catalogue yet, so this is the static list of images the rack's libvirt hosts are seeded
 * with; when the API grows `GET /images`, `read` should ask it instead.
 */
import type { TfDataSource } from "../data-source";
import { listOf, TfString } from "../tf-type";

export const KNOWN_IMAGES: readonly string[] = [
  "ubuntu-24.04",
  "ubuntu-22.04",
  "centos-stream-9",
  "windows-server-2022",
];

export const imagesDataSource: TfDataSource = {
  typeName: "fibrix_images",
  schema: {
    version: 0,
    description:
      "Lists the base image names a fibrix_virtual_machine can use (static until the API lists them).",
    attributes: [
      {
        name: "names",
        apiName: "names",
        type: listOf(TfString),
        description: "Image names, e.g. ubuntu-24.04.",
        required: false,
        optional: false,
        computed: true,
        sensitive: false,
        updatable: false,
        writeOnly: false,
      },
    ],
  },
  async read() {
    return { names: [...KNOWN_IMAGES] };
  },
};
