/** The shipped distances by name, for configs that name one (the object is still what is passed in). */
import { cosine } from "./cosine.ts";
import type { Distance, DistanceName } from "./distance.ts";
import { DISTANCE_NAMES } from "./distance.ts";
import { l2 } from "./l2.ts";
import { squaredL2 } from "./squared_l2.ts";

/** The distance called `name`. @throws {RangeError} naming the choices. */
export function distanceByName(name: string): Distance {
  switch (name) {
    case "squared-l2":
      return squaredL2;
    case "l2":
      return l2;
    case "cosine":
      return cosine;
  }
  throw new RangeError(`unknown distance "${name}"; choose one of ${DISTANCE_NAMES.join(", ")}`);
}

export type { DistanceName };
