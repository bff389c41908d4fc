/** `fibrix_images`: the base images of the region's catalogue (optionally one, by name). */
import { Image } from "../../../sdk/schema/image";
import type { TfDataSource } from "../data-source";
import { apiValueToTf } from "../state-mapping";
import { listOf, TfString } from "../tf-type";
import { listAttribute, nameFilterAttribute } from "./list-attribute";

const images = listAttribute(
  "images",
  Image,
  "Images, each with id, name, os, format, status and its state on every VM host.",
);

export const imagesDataSource: TfDataSource = {
  typeName: "fibrix_images",
  schema: {
    version: 0,
    description: "Lists the base images a fibrix_virtual_machine can be created from.",
    attributes: [
      nameFilterAttribute("image"),
      {
        name: "names",
        apiName: "names",
        type: listOf(TfString),
        description: "Image names, e.g. ubuntu-24.04 (the value of a VM's image).",
        required: false,
        optional: false,
        computed: true,
        sensitive: false,
        updatable: false,
        writeOnly: false,
      },
      images,
    ],
  },
  async read(ctx, config) {
    const name = typeof config.name === "string" ? config.name : undefined;
    const all = await ctx.client.images.listAll();
    // By name: a stable order, so a plan shows no change when nothing changed.
    const picked = (name === undefined ? all : all.filter((i) => i.name === name)).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    return {
      name: name ?? null,
      names: picked.map((i) => i.name),
      images: apiValueToTf(picked, images.type),
    };
  },
};
