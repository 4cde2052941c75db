export * from './face_params';
export { faceSvg } from './face_svg';
export { renderFace, synthFace, synthFaceParams } from './render';
export { generateSynthFaces, type SynthFacesOptions } from './generate';
export * from './synth_lfw';
