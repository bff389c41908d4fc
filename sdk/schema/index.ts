export * from "./common";
export * from "./fabric";
export * from "./machine";
export * from "./pool";
export * from "./rack";
export * from "./region";
export * from "./tenant";
export * from "./vm";
